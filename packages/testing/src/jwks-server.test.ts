import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Agent, request } from 'undici';
import { createTestAuthority, type TestAuthority } from './authority.js';
import { createCertificateAuthority } from './certificates.js';
import { startJwksServer, type JwksServer } from './jwks-server.js';

let authority: TestAuthority;
let jwks: JwksServer;

/**
 * How long close() may take with a request hanging: far below Node's own limits on that
 * request (`headersTimeout` 60 s, `requestTimeout` 300 s), far above a busy machine's delay.
 */
const HANGING_CLOSE_LIMIT_MS = 10_000;

/** Resolves once `condition` holds; rejects if it still does not after `limitMs`. */
async function until(condition: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition still false after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** `'settled'` if `promise` settles within `limitMs`, else `'still pending'`. */
function within(promise: Promise<unknown>, limitMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('still pending'), limitMs);
  });
  const settled = promise.then(
    () => 'settled',
    () => 'settled',
  );
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}

beforeAll(async () => {
  authority = await createTestAuthority({ algorithms: ['ES256', 'EdDSA'] });
});

beforeEach(async () => {
  jwks = await startJwksServer(authority);
});

afterEach(async () => {
  await jwks.close();
});

describe('startJwksServer', () => {
  it('serves the authority JWKS on 127.0.0.1 and counts requests', async () => {
    expect(jwks.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/jwks$/);
    const response = await fetch(jwks.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual(authority.jwks());
    await fetch(jwks.url);
    expect(jwks.requests).toBe(2);
  });

  it('serves the current keys, so rotation is seen on the next fetch', async () => {
    const rotated = await authority.rotate('ES256');
    const body = (await (await fetch(jwks.url)).json()) as { keys: { kid: string }[] };
    expect(body.keys.map((key) => key.kid)).toContain(rotated.kid);
    authority.removeKey(rotated.kid);
  });

  it('lets jose verify tokens through createRemoteJWKSet', async () => {
    const token = await authority.mintAccessToken({ alg: 'EdDSA' });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(jwks.url)), {
      issuer: authority.issuer,
      audience: 'https://rs.example.test',
      typ: 'at+jwt',
    });
    expect(payload.sub).toBe('user-1');
    expect(jwks.requests).toBe(1);
  });

  it('serves a function source', async () => {
    const custom = await startJwksServer(() => ({ keys: [{ kty: 'oct', k: 'AA' }] }));
    try {
      expect(await (await fetch(custom.url)).json()).toEqual({ keys: [{ kty: 'oct', k: 'AA' }] });
    } finally {
      await custom.close();
    }
  });

  it('answers 500 in error mode', async () => {
    jwks.setMode('error');
    expect((await fetch(jwks.url)).status).toBe(500);
  });

  it('answers non-JSON in garbage mode and HTML in html mode', async () => {
    jwks.setMode('garbage');
    const garbage = await fetch(jwks.url);
    expect(garbage.status).toBe(200);
    // errors from the global fetch come from another realm: match by name, not constructor
    await expect(garbage.json()).rejects.toMatchObject({ name: 'SyntaxError' });
    jwks.setMode('html');
    const html = await fetch(jwks.url);
    expect(html.headers.get('content-type')).toBe('text/html');
    expect(await html.text()).toMatch(/^<!doctype html>/);
  });

  it('answers an empty key set in empty mode', async () => {
    jwks.setMode('empty');
    expect(await (await fetch(jwks.url)).json()).toEqual({ keys: [] });
  });

  it('never answers in hang mode, so a timed-out fetch fails, and close() returns promptly', async () => {
    jwks.setMode('hang');
    await expect(fetch(jwks.url, { signal: AbortSignal.timeout(150) })).rejects.toThrow(
      /aborted|timeout/i,
    );
    let settled = false;
    const pending = fetch(jwks.url)
      .catch((error: unknown) => error)
      .finally(() => (settled = true));
    await until(() => jwks.requests === 2);
    // The server holds the request: no answer has come back.
    expect(settled).toBe(false);
    // close() destroys the hanging socket instead of waiting for an answer that never comes.
    await expect(within(jwks.close(), HANGING_CLOSE_LIMIT_MS)).resolves.toBe('settled');
    // The request ends by that close, unanswered: fetch fails rather than yielding a Response.
    expect(await pending).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
  });

  it('delays answers by setDelay', async () => {
    jwks.setDelay(200);
    const started = Date.now();
    expect((await fetch(jwks.url)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    jwks.setDelay(0);
  });

  it('serves HTTPS when given a server certificate', async () => {
    const ca = await createCertificateAuthority();
    const secure = await startJwksServer(authority, { tls: await ca.issueServerCertificate() });
    const dispatcher = new Agent({ connect: { ca: ca.certPem } });
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/jwks$/);
      const response = await request(secure.url, { dispatcher });
      expect(await response.body.json()).toEqual(authority.jwks());
    } finally {
      await dispatcher.close();
      await secure.close();
    }
  });
});
