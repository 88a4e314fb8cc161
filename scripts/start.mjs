// `npm start`: builds the workspace, starts the development authorization server and the sample
// accounts API on 127.0.0.1 (HTTPS, dev certificates), runs the walkthrough client against them,
// then keeps both servers running until Ctrl-C (SIGINT) or SIGTERM stops everything.
//
// Environment: PORT (API, default 3000), AUTH_SERVER_PORT (default 4000; 0 = any free port for
// either), WALKTHROUGH_ONLY=1 (stop after the walkthrough; exit code 1 if it found a problem),
// SKIP_BUILD=1 (use the existing dist/ folders), NO_COLOR. Other variables reach the servers
// (see apps/accounts-api/README.md and apps/auth-server/README.md).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const AS_MAIN = 'apps/auth-server/dist/main.js';
const API_MAIN = 'apps/accounts-api/dist/main.js';
const WALKTHROUGH = 'apps/accounts-api/dist/walkthrough/walkthrough.js';
const CA_FILE = 'apps/auth-server/dev-fixtures/tls/ca.crt.pem';
const STARTUP_TIMEOUT_MS = 30_000;

const env = process.env;
const walkthroughOnly = env.WALKTHROUGH_ONLY === '1' || env.WALKTHROUGH_ONLY === 'true';
const color = process.stdout.isTTY === true && !env.NO_COLOR;
const paint = (code) => (text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const bold = paint('1');
const dim = paint('2');
const red = paint('31');
const green = paint('32');
const say = (line = '') => process.stdout.write(`${line}\n`);
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Started children, stopped in reverse order. */
const children = [];
let stopping = false;

/** Starts `node <main>` and resolves with the value of its `<key>=` stdout line. */
function startServer(name, main, key, extraEnv) {
  const child = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: { ...env, ...extraEnv, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = { name, child, stderr: '', streamStderr: false, onStdoutLine: undefined };
  server.exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  children.push(server);
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    server.stderr += chunk;
    if (server.streamStderr) {
      for (const line of chunk.split('\n').filter(Boolean)) {
        say(dim(line.startsWith(`[${name}]`) ? line : `[${name}] ${line}`));
      }
    }
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    let ready = false;
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${STARTUP_TIMEOUT_MS / 1000} s`)),
      STARTUP_TIMEOUT_MS,
    );
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (!ready && line.startsWith(`${key}=`)) {
          ready = true;
          clearTimeout(timer);
          resolve({ url: line.slice(key.length + 1).trim(), server });
        } else if (ready) {
          server.onStdoutLine?.(line);
        }
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${name} exited (${code ?? signal}) before it was ready`));
      else if (!stopping) {
        say(red(`\n${name} stopped unexpectedly (${code ?? signal}):`));
        say(server.stderr.trim().split('\n').slice(-15).join('\n'));
        void shutdown(1);
      }
    });
    child.once('error', reject);
  });
}

/** SIGTERM to every running child (SIGKILL after 5 s), then exit. */
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(async ({ child, exited }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (!stopping) say(dim(`\n${signal}: stopping the servers…`));
    void shutdown(0);
  });
}
// Last resort (an exception in this script): never leave a server behind.
process.on('exit', () => {
  for (const { child } of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function fail(message, details) {
  say(red(message));
  if (details) say(details.trim().split('\n').slice(-20).join('\n'));
  void shutdown(1);
}

function portHint(stderr, variable, port) {
  return /EADDRINUSE/.test(stderr)
    ? `Port ${port} is in use: stop what uses it, or choose another port (${variable}=<port> npm start).`
    : undefined;
}

async function main() {
  say(bold('fapi-guard sample platform'));
  if (!existsSync(`${ROOT}node_modules/typescript`)) {
    fail('Dependencies are missing: run `npm install` first.');
    return;
  }

  if (env.SKIP_BUILD !== '1') {
    const started = performance.now();
    process.stdout.write('  building    tsc -b tsconfig.build.json (what `npm run build` runs) … ');
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const build = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (build.status !== 0) {
      say(red('failed'));
      fail('The build failed:', `${build.stdout}${build.stderr}`);
      return;
    }
    say(`done in ${seconds(started)}`);
  }
  for (const file of [AS_MAIN, API_MAIN, WALKTHROUGH]) {
    if (!existsSync(`${ROOT}${file}`)) {
      fail(`${file} is missing: run \`npm run build\` (or npm start without SKIP_BUILD).`);
      return;
    }
  }

  const started = performance.now();
  const asPort = env.AUTH_SERVER_PORT || '4000';
  const apiPort = env.PORT || '3000';
  const host = env.AUTH_SERVER_HOST || '127.0.0.1';
  // With a fixed AS port both servers start at once; with port 0 the API waits for the issuer.
  const knownIssuer = asPort === '0' ? undefined : `https://${host}:${asPort}`;
  const asReady = startServer('auth-server', AS_MAIN, 'issuer', { AUTH_SERVER_PORT: asPort });
  let as;
  let api;
  try {
    const apiReady = (async () =>
      startServer('accounts-api', API_MAIN, 'api', {
        PORT: apiPort,
        AS_ISSUER: knownIssuer ?? (await asReady).url,
      }))();
    [as, api] = await Promise.all([asReady, apiReady]);
  } catch (error) {
    const failed = children.find((c) => c.child.exitCode !== null) ?? children[0];
    const hint =
      failed?.name === 'auth-server'
        ? portHint(failed.stderr, 'AUTH_SERVER_PORT', asPort)
        : portHint(failed?.stderr ?? '', 'PORT', apiPort);
    fail(`Could not start the servers: ${error.message}`, hint ?? failed?.stderr);
    return;
  }
  say(
    `  started     authorization server ${as.url}, accounts API ${api.url} in ${seconds(started)}`,
  );

  // Audit lines of the API (its stdout) are kept while the walkthrough prints, shown after it.
  const audit = [];
  api.server.onStdoutLine = (line) => audit.push(line);

  const { runWalkthrough } = await import(pathToFileURL(`${ROOT}${WALKTHROUGH}`).href);
  let result;
  try {
    result = await runWalkthrough({ issuer: as.url, apiUrl: api.url, color });
  } catch (error) {
    fail(
      `The walkthrough failed: ${error.message}`,
      [as.server.stderr, api.server.stderr].join('\n'),
    );
    return;
  }

  say('');
  say(
    bold(`━━ Audit trail: what the API logged (one JSON line per decision, no token material) ━━`),
  );
  for (const line of audit) say(dim(line));

  if (walkthroughOnly) {
    say('');
    say(
      `WALKTHROUGH_ONLY: stopping the servers (${result.ok ? green('walkthrough ok') : red('walkthrough failed')}).`,
    );
    await shutdown(result.ok ? 0 : 1);
    return;
  }

  say('');
  say(bold('━━ The platform keeps running ━━'));
  say(`  authorization server  ${as.url}   (metadata: /.well-known/openid-configuration)`);
  say(
    `  accounts API          ${api.url}   (docs: ${api.url}/docs, /.well-known/oauth-protected-resource)`,
  );
  say('  demo users            alice / alice-dev-password, bob / bob-dev-password');
  say(`  try                   curl -i --cacert ${CA_FILE} ${api.url}/accounts`);
  say('  Ctrl-C stops both servers. New audit lines and server messages follow.');
  api.server.onStdoutLine = (line) => say(dim(`[audit] ${line}`));
  for (const server of children) server.streamStderr = true;
}

main().catch((error) => fail(`npm start failed: ${error.stack ?? error}`));
