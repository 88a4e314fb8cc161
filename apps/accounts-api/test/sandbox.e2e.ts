/**
 * End to end, the sandbox as an integrator uses it: the token helper (`npm run token`) against
 * the running AS and API, its curl line answering 200; every error in one JSON shape; the AS
 * metadata agreeing with the API's; CORS for the API's own origin.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { spawnAuthServer, type SpawnedAuthServer } from '../../auth-server/src/spawn.js';
import { parseTokenArgs, runTokenHelper } from '../../auth-server/src/token-helper.js';
import { signedCallHeaders } from '../../auth-server/src/token-signing.js';
import { DEMO_ACCOUNTS } from '../src/store/demo-data.js';
import { accountAccess } from '../src/walkthrough/consents.js';
import { ensureBuilt, REPO_ROOT, spawnAccountsApi, type SpawnedApi } from './support/servers.js';
import { CA, fixtures, proofClaims } from './support/sessions.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let as: SpawnedAuthServer;
let api: SpawnedApi;
/** An instance allowing 2 requests per route and window, for the 429 cases. */
let throttled: SpawnedApi;
let stateDir: string;
const agent = new Agent({ connect: { ca: CA } });

beforeAll(async () => {
  ensureBuilt();
  stateDir = mkdtempSync(join(tmpdir(), 'token-helper-'));
  as = await spawnAuthServer();
  [api, throttled] = await Promise.all([
    spawnAccountsApi({ AS_ISSUER: as.issuer }),
    spawnAccountsApi({ AS_ISSUER: as.issuer, RATE_LIMIT: '2' }),
  ]);
}, 90_000);

afterAll(async () => {
  await agent.close();
  await Promise.all([api?.stop(), throttled?.stop(), as?.stop()]);
  rmSync(stateDir, { recursive: true, force: true });
});

interface Helped {
  code: number | null;
  stdout: string;
  stderr: string;
  authorization?: string;
  dpop?: string;
  curl: string;
}

/** Runs `node scripts/token.mjs <args>` from the repository root, as `npm run token` does. */
function token(args: string[]): Promise<Helped> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'scripts', 'token.mjs'), '--issuer', as.issuer, ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, NODE_OPTIONS: '', TOKEN_HELPER_STATE: join(stateDir, 'state.json') },
      },
      (error, stdout, stderr) => {
        const line = (prefix: string) =>
          stdout
            .split('\n')
            .find((l) => l.startsWith(prefix))
            ?.slice(prefix.length);
        resolve({
          code: error ? ((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
          authorization: line('Authorization: '),
          dpop: line('DPoP: '),
          curl: stdout.trim().split('\n').at(-1) ?? '',
        });
      },
    );
  });
}

/**
 * Runs the printed curl line in a shell from the repository root (its file paths are relative
 * to it) and returns the status and body. Without curl on the machine, sends the same request
 * with undici.
 */
function callCurl(
  helped: Helped,
  url: string,
  mtls = false,
): Promise<{ status: number; body: string }> {
  if (!existsSync('/usr/bin/curl')) {
    const tls = mtls
      ? new Agent({
          connect: { ca: CA, cert: fixtures.clients.mtls.cert, key: fixtures.clients.mtls.key },
        })
      : agent;
    return request(url, {
      dispatcher: tls,
      headers: {
        authorization: helped.authorization!,
        ...(helped.dpop ? { dpop: helped.dpop } : {}),
      },
    }).then(async (res) => ({ status: res.statusCode, body: await res.body.text() }));
  }
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', helped.curl], { cwd: REPO_ROOT }, (error, stdout) => {
      if (error) reject(error);
      else {
        resolve({
          status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(stdout)?.[1]),
          body: stdout
            .split(/\r?\n\r?\n/)
            .slice(1)
            .join('\n\n'),
        });
      }
    });
  });
}

/** The status the printed curl line answers. */
async function runCurl(helped: Helped, url: string, mtls = false): Promise<number> {
  return (await callCurl(helped, url, mtls)).status;
}

describe('npm run token', () => {
  it('prints Authorization and DPoP headers and a curl line that answers 200', async () => {
    const first = await token(['--scope', 'accounts', '--url', `${api.url}/accounts`]);
    expect(first.code).toBe(0);
    expect(first.authorization).toMatch(/^DPoP ey/);
    expect(proofClaims(first.dpop)).toMatchObject({ htm: 'GET', htu: `${api.url}/accounts` });
    expect(first.curl).toContain('--cacert apps/auth-server/dev-fixtures/tls/ca.crt.pem');
    expect(await runCurl(first, `${api.url}/accounts`)).toBe(200);

    // A second run reuses the cached token and key, with a fresh proof that works too.
    const second = await token(['--scope', 'accounts', '--url', `${api.url}/accounts`]);
    expect(second.stderr).toContain('cached');
    expect(second.authorization).toBe(first.authorization);
    expect(proofClaims(second.dpop).jti).not.toBe(proofClaims(first.dpop).jti);
    expect(await runCurl(second, `${api.url}/accounts`)).toBe(200);
    // The first proof was used: pasting it again is refused as a replay.
    expect(await runCurl(first, `${api.url}/accounts`)).toBe(401);
  }, 60_000);

  it('--binding mtls prints a certificate-bound token and a curl line with the client certificate', async () => {
    const helped = await token(['--binding', 'mtls', '--url', `${api.url}/accounts`]);
    expect(helped.code).toBe(0);
    expect(helped.authorization).toMatch(/^Bearer ey/);
    expect(helped.dpop).toBeUndefined();
    expect(helped.curl).toContain(
      '--cert apps/auth-server/dev-fixtures/clients/mtls-client.crt.pem --key apps/auth-server/dev-fixtures/clients/mtls-client.key.pem',
    );
    expect(await runCurl(helped, `${api.url}/accounts`, true)).toBe(200);
  }, 60_000);

  it('--data signs the curl line with the client key (Content-Digest, Signature-Input, Signature): the payment answers 201', async () => {
    const url = `${api.url}/domestic-payments`;
    const payment = {
      debtorAccountId: DEMO_ACCOUNTS.aliceCurrent,
      instructedAmount: { amount: '1.00', currency: 'GBP' },
      creditorAccount: { name: 'Bob Example', iban: 'GB39FAPG20051563918204' },
      reference: 'Sent with curl',
    };
    const args = ['--scope', 'accounts payments', '--method', 'POST', '--url', url];
    const helped = await token([...args, '--data', JSON.stringify(payment)]);
    expect(helped.code).toBe(0);
    const keyId = fixtures.clients.dpop.privateJwk.kid;
    expect(helped.stdout).toMatch(/^Content-Digest: sha-256=:[\w+/]+=:$/m);
    expect(helped.stdout).toMatch(
      new RegExp(
        `^Signature-Input: sig1=\\("@method" "@target-uri" "authorization" "dpop" "content-digest"\\);created=\\d+;keyid="${keyId}";tag="fapi-2-request"$`,
        'm',
      ),
    );
    expect(helped.stderr).toContain("signed (RFC 9421) with dpop-client's registered key");
    expect(helped.curl).toContain("-H 'signature: sig1=:");
    expect(helped.curl).toContain(`--data-raw '${JSON.stringify(payment)}'`);
    const paid = await callCurl(helped, url);
    expect(paid.status).toBe(201);
    expect(JSON.parse(paid.body).data.requestSignature).toMatchObject({ label: 'sig1', keyId });
  }, 60_000);

  it('--authorization-details asks for exactly that consent: the named account 200, another 403', async () => {
    const one = `${api.url}/accounts/${DEMO_ACCOUNTS.aliceCurrent}`;
    const other = `${api.url}/accounts/${DEMO_ACCOUNTS.aliceSavings}`;
    const details = JSON.stringify([
      accountAccess([DEMO_ACCOUNTS.aliceCurrent], ['read_accounts']),
    ]);
    const helped = await token(['--authorization-details', details, '--url', one]);
    expect(helped.code).toBe(0);
    // Same scope and binding as the cached default-consent token, other details: a new token.
    expect(helped.stderr).toContain('# new DPoP-bound token');
    expect(helped.stderr).toContain(`consent account_access (${DEMO_ACCOUNTS.aliceCurrent})`);
    expect(await runCurl(helped, one)).toBe(200);

    const again = await token(['--authorization-details', details, '--url', other]);
    expect(again.stderr).toContain('cached');
    const refused = await callCurl(again, other);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'insufficient_authorization_details' });
  }, 60_000);

  it('refuses --authorization-details that is not a JSON array of typed objects, exit code 2', async () => {
    for (const [value, message] of [
      ['[{"type":"account_access"', '--authorization-details must be JSON'],
      ['{"type":"account_access"}', '--authorization-details must be a JSON array of objects'],
      ['[{"type":"account_access"},{"type":7}]', '--authorization-details[1] must be an object'],
    ] as const) {
      const helped = await token(['--authorization-details', value]);
      expect({ code: helped.code, stdout: helped.stdout }).toEqual({ code: 2, stdout: '' });
      expect(helped.stderr).toContain(message);
    }
  });

  it('refuses an unknown flag with its usage, exit code 2', async () => {
    const helped = await token(['--scopes', 'accounts']);
    expect(helped.code).toBe(2);
    expect(helped.stderr).toContain('unknown argument "--scopes"');
    expect(helped.stdout).toBe('');
  });
});

/** DPoP headers for `method url` from the token helper (in process), scope accounts payments. */
async function dpopHeaders(
  method: string,
  url: string,
): Promise<{ authorization: string; dpop: string }> {
  const out = await runTokenHelper(
    parseTokenArgs([
      '--issuer',
      as.issuer,
      '--scope',
      'accounts payments',
      '--method',
      method,
      '--url',
      url,
      '--state-file',
      join(stateDir, 'in-process.json'),
    ]),
  );
  return { authorization: out.authorization, dpop: out.dpop! };
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: Record<string, unknown>;
}

async function send(
  target: SpawnedApi,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer; token?: boolean } = {},
): Promise<Answer> {
  const url = `${target.url}${path}`;
  const credentials = options.token ? await dpopHeaders(method, url) : undefined;
  // A body sent with a token is signed as the token helper signs it (the payments need it).
  const signature =
    credentials && typeof options.body === 'string'
      ? signedCallHeaders(fixtures, {
          binding: 'dpop',
          method,
          url,
          ...credentials,
          data: options.body,
        })
      : {};
  const headers = { ...credentials, ...signature, ...options.headers };
  const res = await request(url, {
    method: method as 'GET',
    headers,
    dispatcher: agent,
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // asserted below
  }
  return { status: res.statusCode, headers: res.headers as Record<string, string>, text, json };
}

/** The one error face: status, `{ error, error_description }` only, no-store, interaction id. */
function expectErrorShape(answer: Answer, status: number, error: string): void {
  expect({ status: answer.status, error: answer.json.error }).toEqual({ status, error });
  expect(typeof answer.json.error_description).toBe('string');
  expect(Object.keys(answer.json).filter((k) => k !== 'errors')).toEqual([
    'error',
    'error_description',
  ]);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.headers['x-fapi-interaction-id']).toMatch(UUID);
  // Nothing from the framework or a library: no stack, no parser message, no Nest body.
  expect(answer.text).not.toMatch(
    /"statusCode"|"message"|stack|at \w+ \(|position \d|SyntaxError|Cannot (GET|POST)/,
  );
}

function auditFor(target: SpawnedApi, answer: Answer) {
  const id = answer.headers['x-fapi-interaction-id'];
  return target.auditLines().filter((line) => line.interactionId === id);
}

const PAYMENT = '/domestic-payments';

describe('one face for errors', () => {
  it('an unknown route: 404 not_found', async () => {
    expectErrorShape(await send(api, 'GET', '/no-such-route'), 404, 'not_found');
  });

  it('a method the route does not serve: 405 method_not_allowed with Allow', async () => {
    const answer = await send(api, 'DELETE', '/accounts/acc-1');
    expectErrorShape(answer, 405, 'method_not_allowed');
    expect(answer.headers.allow).toBe('GET, HEAD');
    const metadata = await send(api, 'POST', '/.well-known/oauth-protected-resource');
    expectErrorShape(metadata, 405, 'method_not_allowed');
  });

  it('a path that is not valid percent-encoding: 400 invalid_request', async () => {
    expectErrorShape(await send(api, 'GET', '/accounts/%E0%A4%A'), 400, 'invalid_request');
  });

  it('a malformed JSON body: 400 invalid_request, after the guard decided (audited)', async () => {
    const answer = await send(api, 'POST', PAYMENT, {
      token: true,
      headers: { 'content-type': 'application/json', 'x-idempotency-key': crypto.randomUUID() },
      body: '{"instructedAmount": ',
    });
    expectErrorShape(answer, 400, 'invalid_request');
    expect(answer.json.error_description).toBe('The request body is not valid JSON');
    await new Promise((resolve) => setTimeout(resolve, 100)); // the audit line is flushed
    expect(auditFor(api, answer)).toEqual([
      expect.objectContaining({ audit: 'authorization', outcome: 'allow', path: PAYMENT }),
    ]);
  });

  it('a body over the limit: 413 invalid_request at once, before verification (its bytes are not kept)', async () => {
    const answer = await send(api, 'POST', PAYMENT, {
      token: true,
      headers: { 'content-type': 'application/json', 'x-idempotency-key': crypto.randomUUID() },
      body: JSON.stringify({ reference: 'x'.repeat(200 * 1024) }),
    });
    expectErrorShape(answer, 413, 'invalid_request');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(auditFor(api, answer)).toHaveLength(0);
  });

  it('an unsigned payment: 401 from the guard, the signature named, nothing signed', async () => {
    const answer = await send(api, 'POST', PAYMENT, {
      headers: {
        ...(await dpopHeaders('POST', `${api.url}${PAYMENT}`)),
        'content-type': 'application/json',
        'x-idempotency-key': crypto.randomUUID(),
      },
      body: JSON.stringify({ reference: 'Unsigned' }),
    });
    expectErrorShape(answer, 401, 'unauthorized');
    expect(answer.json.error_description).toBe('The request must carry an HTTP message signature');
    expect(answer.headers['signature']).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(auditFor(api, answer)).toEqual([
      expect.objectContaining({ outcome: 'allow' }),
      expect.objectContaining({ outcome: 'deny', code: 'ERR_FAPI_SIGNATURE_MISSING' }),
    ]);
  });

  it('a body that is not JSON: 415 invalid_request', async () => {
    const answer = await send(api, 'POST', PAYMENT, {
      token: true,
      headers: { 'content-type': 'text/plain', 'x-idempotency-key': crypto.randomUUID() },
      body: 'pay bob',
    });
    expectErrorShape(answer, 415, 'invalid_request');
  });

  it('a malformed body without a token is refused by the guard first: 401 with its challenge', async () => {
    const answer = await send(api, 'POST', PAYMENT, {
      headers: { 'content-type': 'application/json' },
      body: '{bad',
    });
    expectErrorShape(answer, 401, 'unauthorized');
    expect(answer.headers['www-authenticate']).toMatch(/^DPoP /);
  });

  it('a validation error: 400 invalid_request with one entry per field', async () => {
    const answer = await send(api, 'POST', PAYMENT, {
      token: true,
      headers: { 'content-type': 'application/json', 'x-idempotency-key': crypto.randomUUID() },
      body: JSON.stringify({ unexpected: 1 }),
    });
    expectErrorShape(answer, 400, 'invalid_request');
    expect(answer.json.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'unexpected' })]),
    );
  });

  it('throttling: 429 too_many_requests with Retry-After, malformed bodies counted too', async () => {
    const bad = { headers: { 'content-type': 'application/json' }, body: '{bad' };
    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(await send(throttled, 'POST', PAYMENT, bad));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 429]);
    const limited = answers[2]!;
    expectErrorShape(limited, 429, 'too_many_requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('the AS metadata matches the API', () => {
  it('lists accounts and payments, and the same DPoP algorithms on both sides', async () => {
    const asMetadata = (await send(
      { url: as.issuer } as SpawnedApi,
      'GET',
      '/.well-known/openid-configuration',
    ).then((a) => a.json)) as {
      scopes_supported: string[];
      dpop_signing_alg_values_supported: string[];
    };
    const rsMetadata = (await send(api, 'GET', '/.well-known/oauth-protected-resource').then(
      (a) => a.json,
    )) as { scopes_supported: string[]; dpop_signing_alg_values_supported: string[] };
    const challenge = (await send(api, 'GET', '/accounts')).headers['www-authenticate']!;
    const challengeAlgs = /DPoP algs="([^"]+)"/.exec(challenge)?.[1]?.split(' ');

    expect(asMetadata.scopes_supported).toEqual(expect.arrayContaining(['accounts', 'payments']));
    expect(rsMetadata.scopes_supported).toEqual(['accounts', 'payments']);
    const asAlgs = [...asMetadata.dpop_signing_alg_values_supported].sort();
    expect([...rsMetadata.dpop_signing_alg_values_supported].sort()).toEqual(asAlgs);
    expect([...(challengeAlgs ?? [])].sort()).toEqual(asAlgs);
  });
});

describe('CORS for the API origin', () => {
  it('exposes the challenge and signature headers to a page on the API origin, and to no other', async () => {
    const own = await send(api, 'GET', '/accounts', { headers: { origin: api.url } });
    expect(own.status).toBe(401);
    expect(own.headers['access-control-allow-origin']).toBe(api.url);
    expect(own.headers['access-control-expose-headers']).toBe(
      'WWW-Authenticate, DPoP-Nonce, x-fapi-interaction-id, Content-Digest, Signature-Input, Signature',
    );
    const other = await send(api, 'GET', '/accounts', { headers: { origin: 'https://evil.test' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a preflight from the API origin 204 without a token', async () => {
    const preflight = await send(api, 'OPTIONS', PAYMENT, {
      headers: { origin: api.url, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toContain('DPoP');
    // A page may send a signed payment (the playground does) and read the answer's signature.
    expect(preflight.headers['access-control-allow-headers']).toContain(
      'Content-Digest, Signature-Input, Signature',
    );
  });
});
