/**
 * Property tests (fast-check), bounded in runs: no mutation of a valid request passes unless the
 * requirements say it must, arbitrary header bytes and request objects never escape the error
 * model, and every challenge parses back. Seeds are printed by fast-check on failure for replay.
 */
import fc from 'fast-check';
import { createClientCertificate, dpopProof } from '@fapi-guard/testing';
import {
  createResourceServer,
  isFapiError,
  renderChallenge,
  FapiError,
  ERROR_CODES,
  type FapiErrorCode,
  type RequestLike,
} from '../src/index.js';
import {
  AUDIENCE,
  createKit,
  ISSUER,
  NOW_S,
  parseChallenges,
  RESOURCE_URL,
  type Kit,
} from './fixture.js';

let kit: Kit;
let token: string;
let proof: string;
beforeAll(async () => {
  kit = await createKit({ mtls: { header: { trustedProxies: ['127.0.0.1'] } } });
  token = await kit.dpopToken();
  proof = await kit.proof(token);
});

const RUNS = 150;

/** Verifies and reduces the outcome to a status; anything but a FapiError fails the property. */
async function statusOf(request: RequestLike, rs = kit.rs): Promise<number> {
  try {
    await rs.verify(request);
    return 200;
  } catch (error) {
    if (!isFapiError(error)) throw error;
    parseChallenges(error.headers['www-authenticate']);
    return error.status;
  }
}

/** A fresh resource server per run, so the replay store never explains a rejection. */
function freshServer() {
  return createResourceServer({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: kit.authority.jwks(),
    clock: () => NOW_S * 1000,
  });
}

const request = (
  headers: Record<string, string | string[]>,
  extra: Partial<RequestLike> = {},
): RequestLike => ({ method: 'GET', url: RESOURCE_URL, headers, ...extra });

function changeOneChar(text: string, index: number, replacement: string): string {
  const i = index % text.length;
  const char = text[i] === replacement ? (replacement === 'A' ? 'B' : 'A') : replacement;
  return text.slice(0, i) + char + text.slice(i + 1);
}

const b64char = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'.split(''),
);

describe('no mutation of a valid request passes (RS-GEN-03, RS-DPOP-01..13)', () => {
  test('the unmutated request passes (control)', async () => {
    expect(
      await statusOf(request({ authorization: `DPoP ${token}`, dpop: proof }), freshServer()),
    ).toBe(200);
  });

  test('one character of the access token changed: 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), b64char, async (index, char) => {
        const status = await statusOf(
          request({ authorization: `DPoP ${changeOneChar(token, index, char)}`, dpop: proof }),
          freshServer(),
        );
        return status >= 400 && status < 500;
      }),
      { numRuns: RUNS },
    );
  });

  test('one character of the proof changed: 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), b64char, async (index, char) => {
        const status = await statusOf(
          request({ authorization: `DPoP ${token}`, dpop: changeOneChar(proof, index, char) }),
          freshServer(),
        );
        return status >= 400 && status < 500;
      }),
      { numRuns: RUNS },
    );
  });

  test('a header dropped, duplicated or truncated: 4xx; a header name or scheme re-cased: passes', async () => {
    const headerName = fc.constantFrom('authorization', 'dpop');
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('drop' as const), name: headerName }),
      fc.record({ kind: fc.constant('duplicate' as const), name: headerName }),
      fc.record({ kind: fc.constant('truncate' as const), name: headerName, at: fc.nat() }),
      fc.record({ kind: fc.constant('recase-name' as const), name: headerName, mask: fc.nat() }),
      fc.record({
        kind: fc.constant('recase-scheme' as const),
        name: fc.constant('authorization'),
        mask: fc.nat(),
      }),
    );
    const recase = (text: string, mask: number) =>
      [...text].map((c, i) => ((mask >> i) & 1 ? c.toUpperCase() : c.toLowerCase())).join('');
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const headers: Record<string, string | string[]> = {
          authorization: `DPoP ${token}`,
          dpop: proof,
        };
        const value = headers[m.name] as string;
        if (m.kind === 'drop') delete headers[m.name];
        if (m.kind === 'duplicate') headers[m.name] = [value, value];
        if (m.kind === 'truncate') headers[m.name] = value.slice(0, m.at % value.length);
        if (m.kind === 'recase-name') {
          delete headers[m.name];
          headers[recase(m.name, m.mask)] = value;
        }
        if (m.kind === 'recase-scheme')
          headers.authorization = `${recase('DPoP', m.mask)} ${token}`;
        const status = await statusOf(request(headers), freshServer());
        return m.kind.startsWith('recase') ? status === 200 : status >= 400 && status < 500;
      }),
      { numRuns: RUNS },
    );
  });

  test('one proof claim removed, retyped or changed (re-signed by the client key): 4xx, except jti and extra claims', async () => {
    const claim = fc.constantFrom('jti', 'htm', 'htu', 'iat', 'ath', 'extra');
    const change = fc.constantFrom('remove', 'retype', 'change');
    const replacements: Record<string, unknown> = {
      htm: 'POST',
      htu: 'https://api.bank.test/payments',
      iat: NOW_S - 3600,
      ath: 'A'.repeat(43),
      jti: 'another-jti',
      extra: 'x',
    };
    await fc.assert(
      fc.asyncProperty(claim, change, async (name, how) => {
        const base = {
          jti: 'j',
          htm: 'GET',
          htu: RESOURCE_URL,
          iat: NOW_S,
          ath: undefined,
        } as Record<string, unknown>;
        const value =
          how === 'remove'
            ? undefined
            : how === 'retype'
              ? typeof base[name] === 'number'
                ? String(base[name])
                : 12345
              : replacements[name];
        const mutated = await dpopProof({
          key: kit.dpopKey,
          htm: 'GET',
          htu: RESOURCE_URL,
          accessToken: token,
          iat: NOW_S,
          claims: { [name]: value },
        });
        const status = await statusOf(
          request({ authorization: `DPoP ${token}`, dpop: mutated }),
          freshServer(),
        );
        const allowed =
          name === 'extra' || (name === 'jti' && how !== 'remove' && how !== 'retype');
        return allowed ? status === 200 : status === 401;
      }),
      { numRuns: 60 },
    );
  });

  test('one access-token claim removed, retyped or changed (re-signed by the AS): 401 for every security claim', async () => {
    const claim = fc.constantFrom('iss', 'aud', 'exp', 'iat', 'sub', 'client_id', 'jti', 'cnf');
    const change = fc.constantFrom('remove', 'retype', 'change');
    const replacements: Record<string, unknown> = {
      iss: 'https://evil.test',
      aud: 'https://other.test',
      exp: NOW_S - 60,
      iat: NOW_S + 3600,
      sub: '',
      client_id: '',
      jti: '',
      cnf: { jkt: 'A'.repeat(43) },
    };
    await fc.assert(
      fc.asyncProperty(claim, change, async (name, how) => {
        const value =
          how === 'remove'
            ? undefined
            : how === 'retype'
              ? name === 'exp' || name === 'iat'
                ? String(NOW_S)
                : name === 'cnf'
                  ? 'jkt'
                  : 42
              : replacements[name];
        const mutated = await kit.dpopToken({ claims: { [name]: value } });
        const dpop = await kit.proof(mutated);
        return (
          (await statusOf(request({ authorization: `DPoP ${mutated}`, dpop }), freshServer())) ===
          401
        );
      }),
      { numRuns: 60 },
    );
  });

  test("htm, htu or ath of another request's proof: 401", async () => {
    const swap = fc.constantFrom(
      { htm: 'POST' },
      { htu: 'https://api.bank.test/payments' },
      { accessToken: 'another-access-token' },
    );
    await fc.assert(
      fc.asyncProperty(swap, async (other) => {
        const foreign = await kit.proof(token, other);
        return (
          (await statusOf(
            request({ authorization: `DPoP ${token}`, dpop: foreign }),
            freshServer(),
          )) === 401
        );
      }),
      { numRuns: 20 },
    );
  });
});

describe('arbitrary input never escapes the error model', () => {
  const bytes = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
  );
  const prefixed = fc
    .tuple(fc.constantFrom('', 'Bearer ', 'DPoP ', 'dpop ', 'Basic '), bytes)
    .map(([p, b]) => p + b);

  test('arbitrary Authorization, DPoP and Client-Cert values: 400 or 401, a parseable challenge', async () => {
    const cert = await createClientCertificate();
    await fc.assert(
      fc.asyncProperty(
        prefixed,
        bytes,
        bytes,
        fc.boolean(),
        async (authorization, dpop, clientCert, withCert) => {
          const status = await statusOf(
            request(
              { authorization, dpop, 'client-cert': clientCert },
              { peerAddress: '127.0.0.1', ...(withCert ? { clientCertificate: cert.der } : {}) },
            ),
          );
          return status === 400 || status === 401;
        },
      ),
      { numRuns: 400 },
    );
  });

  test('arbitrary bytes after a valid token in the DPoP header, or a valid proof with arbitrary Authorization: never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, async (junk) => {
        const a = await statusOf(request({ authorization: `DPoP ${token}`, dpop: junk }));
        const b = await statusOf(request({ authorization: `DPoP ${junk}`, dpop: proof }));
        return a < 500 && b < 500;
      }),
      { numRuns: 200 },
    );
  });

  test('a signed proof with arbitrary JSON claims values: never 5xx', async () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('jti', 'htm', 'htu', 'iat', 'ath', 'nonce', 'exp', 'nbf'),
        json,
        async (name, value) => {
          const mutated = await dpopProof({
            key: kit.dpopKey,
            htm: 'GET',
            htu: RESOURCE_URL,
            accessToken: token,
            iat: NOW_S,
            claims: { [name]: value },
          });
          return (
            (await statusOf(
              request({ authorization: `DPoP ${token}`, dpop: mutated }),
              freshServer(),
            )) < 500
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('WWW-Authenticate is always syntactically valid (RS-ERR-04)', () => {
  test('whatever realm, scope or resource_metadata contain, the header parses back with sanitized values', () => {
    const codes = Object.keys(ERROR_CODES) as FapiErrorCode[];
    fc.assert(
      fc.property(
        fc.constantFrom(...codes),
        fc.string(),
        fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }),
        fc.string(),
        fc.constantFrom('Bearer', 'DPoP', undefined),
        (code, realm, scope, metadata, scheme) => {
          const error = new FapiError(code, { scope, ...(scheme ? { scheme } : {}) });
          const header = renderChallenge(error, {
            schemes: ['DPoP', 'Bearer'],
            dpopAlgorithms: ['ES256'],
            realm,
            resourceMetadata: metadata,
          });
          if (header === undefined) return error.status >= 500;
          const challenges = parseChallenges(header);
          return (
            challenges.length >= 2 &&
            challenges.every((c) =>
              Object.values(c.params).every((v) => /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(v)),
            )
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('oversized inputs are refused without a hang (bounds catch hangs, not speed)', () => {
  const quick = async (req: RequestLike) => ({ status: await statusOf(req, freshServer()) });

  test('a 1 MB Authorization header: 401 invalid_token', async () => {
    const { status } = await quick(
      request({ authorization: `DPoP ${'a'.repeat(1 << 20)}.b.c`, dpop: proof }),
    );
    expect(status).toBe(401);
  });

  test('a 1 MB DPoP header: 401 invalid_dpop_proof', async () => {
    const { status } = await quick(
      request({ authorization: `DPoP ${token}`, dpop: `${'a'.repeat(1 << 20)}.b.c` }),
    );
    expect(status).toBe(401);
  });

  test('a token with 10,000 scopes: refused as too long', async () => {
    const scope = Array.from({ length: 10_000 }, (_, i) => `s${i}`).join(' ');
    const big = await kit.dpopToken({ scope });
    const { status } = await quick(
      request({ authorization: `DPoP ${big}`, dpop: await kit.proof(big) }),
    );
    expect(status).toBe(401);
  });

  test('a deeply nested JSON claim in a proof is parsed and ignored: the request passes', async () => {
    let nested: unknown = 1;
    for (let i = 0; i < 2_000; i += 1) nested = [nested];
    const deep = await dpopProof({
      key: kit.dpopKey,
      htm: 'GET',
      htu: RESOURCE_URL,
      accessToken: token,
      iat: NOW_S,
      claims: { deep: nested },
    });
    const { status } = await quick(request({ authorization: `DPoP ${token}`, dpop: deep }));
    expect(status).toBe(200);
  });

  test('a 100 KB jti: 401 invalid_dpop_proof', async () => {
    const big = await kit.proof(token, { jti: 'j'.repeat(100_000) });
    const { status } = await quick(request({ authorization: `DPoP ${token}`, dpop: big }));
    expect(status).toBe(401);
  });

  test('a 1 MB Client-Cert header from a trusted proxy: 400', async () => {
    const mtls = await kit.authority.mintAccessToken({
      now: NOW_S,
      cnf: { 'x5t#S256': 'A'.repeat(43) },
    });
    const { status } = await quick(
      request(
        { authorization: `Bearer ${mtls}`, 'client-cert': `:${'A'.repeat(1 << 20)}` },
        { peerAddress: '127.0.0.1' },
      ),
    );
    expect(status).toBeGreaterThanOrEqual(400);
  });
});

describe('clock skew at the edges of each tolerance (RS-GEN-10, RS-JWT-05, RS-DPOP-11)', () => {
  const cases: Array<[string, () => Promise<RequestLike>, number]> = [
    [
      'proof iat 10 s ahead (tolerance) passes',
      async () => kit.dpopRequest({ proof: { iat: NOW_S + 10 } }),
      200,
    ],
    [
      'proof iat 11 s ahead fails',
      async () => kit.dpopRequest({ proof: { iat: NOW_S + 11 } }),
      401,
    ],
    [
      'proof iat 70 s old (window + tolerance) passes',
      async () => kit.dpopRequest({ proof: { iat: NOW_S - 70 } }),
      200,
    ],
    ['proof iat 71 s old fails', async () => kit.dpopRequest({ proof: { iat: NOW_S - 71 } }), 401],
    [
      'token exp 4 s ago (leeway 5 s) passes',
      async () => kit.dpopRequest({ token: await kit.dpopToken({ claims: { exp: NOW_S - 4 } }) }),
      200,
    ],
    [
      'token exp 6 s ago fails',
      async () => kit.dpopRequest({ token: await kit.dpopToken({ claims: { exp: NOW_S - 6 } }) }),
      401,
    ],
    [
      'token nbf 5 s ahead passes',
      async () => kit.dpopRequest({ token: await kit.dpopToken({ claims: { nbf: NOW_S + 5 } }) }),
      200,
    ],
    [
      'token nbf 6 s ahead fails',
      async () => kit.dpopRequest({ token: await kit.dpopToken({ claims: { nbf: NOW_S + 6 } }) }),
      401,
    ],
    [
      'token iat 60 s ahead passes',
      async () => kit.dpopRequest({ token: await kit.dpopToken({ claims: { iat: NOW_S + 60 } }) }),
      200,
    ],
    [
      'token iat 61 s ahead fails',
      async () => kit.dpopRequest({ token: await kit.dpopToken({ claims: { iat: NOW_S + 61 } }) }),
      401,
    ],
  ];
  test.each(cases)('%s', async (_name, build, expected) => {
    expect(await statusOf(await build(), freshServer())).toBe(expected);
  });
});
