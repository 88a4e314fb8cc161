/**
 * End to end, what the sandbox's API answers an integrator's client and page: every error in one
 * JSON shape, the AS metadata agreeing with the API's metadata and challenge, CORS for the API's
 * own origin. The token helper itself is tested in `sandbox.e2e.ts`.
 */
import { request } from 'undici';
import { parseTokenArgs, runTokenHelper } from '../../auth-server/src/token-helper.js';
import { signedCallHeaders } from '../../auth-server/src/token-signing.js';
import { sandbox } from './support/sandbox.js';
import type { SpawnedApi } from './support/servers.js';
import { fixtures, settledAuditLines } from './support/sessions.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `throttled` allows 2 requests per route and window, for the 429 cases. */
const { bank, agent, stateFile } = sandbox({ throttled: { RATE_LIMIT: '2' } });

/** DPoP headers for `method url` from the token helper (in process), scope accounts payments. */
async function dpopHeaders(
  method: string,
  url: string,
): Promise<{ authorization: string; dpop: string }> {
  const out = await runTokenHelper(
    parseTokenArgs([
      '--issuer',
      bank.as.issuer,
      '--scope',
      'accounts payments',
      '--method',
      method,
      '--url',
      url,
      '--state-file',
      stateFile('in-process.json'),
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

async function auditFor(target: SpawnedApi, answer: Answer) {
  const id = answer.headers['x-fapi-interaction-id'];
  return (await settledAuditLines(target)).filter((line) => line.interactionId === id);
}

const PAYMENT = '/domestic-payments';

describe('one face for errors', () => {
  it('an unknown route: 404 not_found', async () => {
    expectErrorShape(await send(bank.api, 'GET', '/no-such-route'), 404, 'not_found');
  });

  it('a method the route does not serve: 405 method_not_allowed with Allow', async () => {
    const answer = await send(bank.api, 'DELETE', '/accounts/acc-1');
    expectErrorShape(answer, 405, 'method_not_allowed');
    expect(answer.headers.allow).toBe('GET, HEAD');
    const metadata = await send(bank.api, 'POST', '/.well-known/oauth-protected-resource');
    expectErrorShape(metadata, 405, 'method_not_allowed');
  });

  it('a path that is not valid percent-encoding: 400 invalid_request', async () => {
    expectErrorShape(await send(bank.api, 'GET', '/accounts/%E0%A4%A'), 400, 'invalid_request');
  });

  it('a malformed JSON body: 400 invalid_request, after the guard decided (audited)', async () => {
    const answer = await send(bank.api, 'POST', PAYMENT, {
      token: true,
      headers: { 'content-type': 'application/json', 'x-idempotency-key': crypto.randomUUID() },
      body: '{"instructedAmount": ',
    });
    expectErrorShape(answer, 400, 'invalid_request');
    expect(answer.json.error_description).toBe('The request body is not valid JSON');
    expect(await auditFor(bank.api, answer)).toEqual([
      expect.objectContaining({ audit: 'authorization', outcome: 'allow', path: PAYMENT }),
    ]);
  });

  it('a body over the limit: 413 invalid_request at once, before verification (its bytes are not kept)', async () => {
    const answer = await send(bank.api, 'POST', PAYMENT, {
      token: true,
      headers: { 'content-type': 'application/json', 'x-idempotency-key': crypto.randomUUID() },
      body: JSON.stringify({ reference: 'x'.repeat(200 * 1024) }),
    });
    expectErrorShape(answer, 413, 'invalid_request');
    expect(await auditFor(bank.api, answer)).toHaveLength(0);
  });

  it('an unsigned payment: 401 from the guard, the signature named, nothing signed', async () => {
    const answer = await send(bank.api, 'POST', PAYMENT, {
      headers: {
        ...(await dpopHeaders('POST', `${bank.api.url}${PAYMENT}`)),
        'content-type': 'application/json',
        'x-idempotency-key': crypto.randomUUID(),
      },
      body: JSON.stringify({ reference: 'Unsigned' }),
    });
    expectErrorShape(answer, 401, 'unauthorized');
    expect(answer.json.error_description).toBe('The request must carry an HTTP message signature');
    expect(answer.headers['signature']).toBeUndefined();
    expect(await auditFor(bank.api, answer)).toEqual([
      expect.objectContaining({ outcome: 'allow' }),
      expect.objectContaining({ outcome: 'deny', code: 'ERR_FAPI_SIGNATURE_MISSING' }),
    ]);
  });

  it('a body that is not JSON: 415 invalid_request', async () => {
    const answer = await send(bank.api, 'POST', PAYMENT, {
      token: true,
      headers: { 'content-type': 'text/plain', 'x-idempotency-key': crypto.randomUUID() },
      body: 'pay bob',
    });
    expectErrorShape(answer, 415, 'invalid_request');
  });

  it('a malformed body without a token is refused by the guard first: 401 with its challenge', async () => {
    const answer = await send(bank.api, 'POST', PAYMENT, {
      headers: { 'content-type': 'application/json' },
      body: '{bad',
    });
    expectErrorShape(answer, 401, 'unauthorized');
    expect(answer.headers['www-authenticate']).toMatch(/^DPoP /);
  });

  it('a validation error: 400 invalid_request with one entry per field', async () => {
    const answer = await send(bank.api, 'POST', PAYMENT, {
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
    for (let i = 0; i < 3; i += 1)
      answers.push(await send(bank.others.throttled, 'POST', PAYMENT, bad));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 429]);
    const limited = answers[2]!;
    expectErrorShape(limited, 429, 'too_many_requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('the AS metadata matches the API', () => {
  it('lists accounts and payments, and the same DPoP algorithms on both sides', async () => {
    const asMetadata = (await send(
      { url: bank.as.issuer } as SpawnedApi,
      'GET',
      '/.well-known/openid-configuration',
    ).then((a) => a.json)) as {
      scopes_supported: string[];
      dpop_signing_alg_values_supported: string[];
    };
    const rsMetadata = (await send(bank.api, 'GET', '/.well-known/oauth-protected-resource').then(
      (a) => a.json,
    )) as { scopes_supported: string[]; dpop_signing_alg_values_supported: string[] };
    const challenge = (await send(bank.api, 'GET', '/accounts')).headers['www-authenticate']!;
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
    const own = await send(bank.api, 'GET', '/accounts', { headers: { origin: bank.api.url } });
    expect(own.status).toBe(401);
    expect(own.headers['access-control-allow-origin']).toBe(bank.api.url);
    expect(own.headers['access-control-expose-headers']).toBe(
      'WWW-Authenticate, DPoP-Nonce, x-fapi-interaction-id, Content-Digest, Signature-Input, Signature',
    );
    const other = await send(bank.api, 'GET', '/accounts', {
      headers: { origin: 'https://evil.test' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a preflight from the API origin 204 without a token', async () => {
    const preflight = await send(bank.api, 'OPTIONS', PAYMENT, {
      headers: { origin: bank.api.url, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toContain('DPoP');
    // A page may send a signed payment (the playground does) and read the answer's signature.
    expect(preflight.headers['access-control-allow-headers']).toContain(
      'Content-Digest, Signature-Input, Signature',
    );
  });
});
