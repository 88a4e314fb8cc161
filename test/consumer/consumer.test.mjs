// The packages as a user gets them: packed with npm pack, installed into a fresh project outside
// the workspace, each README's quick start compiled with the project's own tsc (which proves the
// published types) and run with node, then called over HTTP with a real DPoP-bound token.
//
//   npm run build && node --test test/consumer/
//
// FAPI_CONSUMER_KEEP=1 keeps the temporary project for a look after a failure.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  PACKAGES,
  REPO_ROOT,
  compile,
  createConsumerProject,
  freePort,
  importTestKit,
  makeTempRoot,
  packPackages,
  removeTempRoot,
  startServer,
} from './project.mjs';
import {
  README_AUDIENCE,
  README_ISSUER,
  README_JWKS_URI,
  README_PORT,
  extractQuickStart,
  localizeQuickStart,
} from './quick-start.mjs';

/** Packages whose quick start must start an HTTP server guarding `PROTECTED_PATH`. */
const SERVES_HTTP = new Set(['core', 'express', 'koa', 'nestjs', 'fastify', 'fetch', 'hono']);
/** A route every serving quick start guards with the `accounts` scope. */
const PROTECTED_PATH = '/accounts';
/** Generous bound for pack + install + compile on a busy 2-core machine. */
const SETUP_TIMEOUT_MS = 240_000;

const quickStarts = new Map(
  PACKAGES.map((name) => {
    const readme = readFileSync(join(REPO_ROOT, 'packages', name, 'README.md'), 'utf8');
    return [name, extractQuickStart(readme)];
  }),
);

describe(`published packages in a fresh project (Node ${process.version})`, () => {
  /** Filled by `before`: temp dir, tarballs, project, test authority, quick starts, tsc output. */
  const env = {};

  before(
    async () => {
      env.root = await makeTempRoot();
      env.packed = await packPackages(env.root);
      const tarballs = [...env.packed.values()].map((p) => p.tarball);
      env.dir = await createConsumerProject(env.root, tarballs);

      env.kit = await importTestKit(env.dir);
      env.authority = await env.kit.createTestAuthority({
        issuer: README_ISSUER,
        audience: README_AUDIENCE,
      });
      env.jwks = await env.kit.startJwksServer(env.authority);

      env.apps = new Map();
      for (const [name, quickStart] of quickStarts) {
        if (!('code' in quickStart)) continue;
        const port = await freePort();
        const local = localizeQuickStart(quickStart.code, { jwksUri: env.jwks.url, port });
        await writeFile(join(env.dir, 'src', `${name}.ts`), local.code);
        env.apps.set(name, { ...local, port });
      }
      env.compiled = await compile(env.dir);
    },
    { timeout: SETUP_TIMEOUT_MS },
  );

  after(async () => {
    await env.jwks?.close();
    if (env.root) await removeTempRoot(env.root);
  });

  for (const name of PACKAGES) {
    it(`@fapi-guard/${name} tarball ships built code, types, README and LICENSE, and no tests`, () => {
      const { files } = env.packed.get(name);
      for (const required of [
        'package.json',
        'README.md',
        'LICENSE',
        'dist/index.js',
        'dist/index.d.ts',
      ]) {
        assert.ok(files.includes(required), `${required} missing from the tarball`);
      }
      const manifest = JSON.parse(
        readFileSync(join(REPO_ROOT, 'packages', name, 'package.json'), 'utf8'),
      );
      const entry = manifest.exports?.['.'] ?? {};
      for (const target of [manifest.main, manifest.types, entry.types, entry.import]) {
        assert.ok(target, `package.json lacks main, types or exports['.'].types/import`);
        assert.ok(files.includes(target.replace(/^\.\//, '')), `${target} is not in the tarball`);
      }
      const tests = files.filter((f) => /\.(test|spec|e2e)\.|(^|\/)test\/|tsbuildinfo/.test(f));
      assert.deepEqual(tests, [], 'test files or build state in the tarball');
    });
  }

  it('the published declaration files type-check in a strict consumer (skipLibCheck off)', (t) => {
    const ours = [];
    for (const [file, errors] of env.compiled) {
      if (file === '' || file.startsWith('node_modules/@fapi-guard/')) ours.push(...errors);
      else if (file.startsWith('node_modules/'))
        t.diagnostic(`not ours, ignored: ${errors.join('; ')}`);
    }
    assert.deepEqual(ours, [], 'tsc errors in @fapi-guard declaration files or the configuration');
  });

  for (const [name, quickStart] of quickStarts) {
    const title = `packages/${name}/README.md quick start`;
    if (!('code' in quickStart)) {
      const reason = `${title}: ${quickStart.missing}`;
      if (SERVES_HTTP.has(name)) it(title, () => assert.fail(reason));
      else it(title, { skip: `${reason}; nothing to compile or run` }, () => {});
      continue;
    }

    describe(title, () => {
      it('compiles with the consumer’s tsc (NodeNext, strict)', () => {
        const errors = env.compiled.get(`src/${name}.ts`) ?? [];
        assert.deepEqual(errors, [], `tsc errors in the quick start:\n${errors.join('\n')}`);
      });

      if (!SERVES_HTTP.has(name)) {
        it(
          'serves HTTP',
          { skip: 'this quick start starts no HTTP server: compiled only' },
          () => {},
        );
        return;
      }

      /** The running quick start, started once for the requests below. */
      const server = {};
      before(async () => {
        const app = env.apps.get(name);
        assert.ok(
          app.jwksReplaced,
          `no jwksUri '${README_JWKS_URI}' to point at the test authority`,
        );
        assert.ok(app.listens, `no listen(${README_PORT}) to move to a free port`);
        server.base = `http://127.0.0.1:${app.port}`;
        // The DPoP htu is the URL the server believes it serves: publicUrl when the quick start
        // sets one, else the address the request reaches.
        server.htu = `${(app.publicUrl ?? server.base).replace(/\/$/, '')}${PROTECTED_PATH}`;
        server.process = await startServer(
          env.dir,
          join('dist', `${name}.js`),
          server.base + PROTECTED_PATH,
        );
      });
      after(async () => server.process?.stop());

      it('answers 200 to a DPoP request with a DPoP-bound token granting the scope', async () => {
        const dpopKey = await env.kit.createDpopKey();
        const token = await env.authority.mintAccessToken({
          cnf: { jkt: dpopKey.jkt },
          scope: 'accounts payments',
        });
        const proof = await env.kit.dpopProof({
          key: dpopKey,
          htm: 'GET',
          htu: server.htu,
          accessToken: token,
        });
        const response = await fetch(server.base + PROTECTED_PATH, {
          headers: { authorization: `DPoP ${token}`, dpop: proof },
        });
        const body = await response.text();
        assert.equal(
          response.status,
          200,
          `htu ${server.htu}; body ${body}; server output:\n${server.process.output()}`,
        );
      });

      it('answers 401 with a DPoP challenge and no error code without Authorization', async () => {
        const response = await fetch(server.base + PROTECTED_PATH);
        await response.text();
        assert.equal(response.status, 401);
        const challenge = response.headers.get('www-authenticate') ?? '';
        assert.match(challenge, /^DPoP\b|, DPoP\b/, `WWW-Authenticate: ${challenge}`);
        // RFC 6750 §3.1: a request without credentials gets a challenge without an error code.
        assert.doesNotMatch(challenge, /error=/, `WWW-Authenticate: ${challenge}`);
      });
    });
  }
});
