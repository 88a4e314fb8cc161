import type { JsonWebKey } from 'node:crypto';
import { memoryReplayStore, type ResourceServerOptions } from '@fapi-guard/core';
import {
  httpSignatures,
  signRequest,
  verifyResponse,
  type SignatureAlgorithm,
} from '@fapi-guard/http-signatures';
import { createTestAuthority, type TestAuthority } from '../authority.js';
import {
  createCertificateAuthority,
  type CertificateAuthority,
  type ClientCertificate,
  type ServerCertificate,
} from '../certificates.js';
import { createDpopKey, dpopProof, type DpopKey } from '../dpop.js';
import { createSigningKey, type SigningKey } from '../keys.js';
import { requestBody, sendRequest } from './http.js';
import type {
  ConformanceApp,
  ConformanceAppOptions,
  ConformanceKit,
  ConformanceServer,
} from './types.js';

/** The suite's fixed time: 2027-01-15T08:00:00Z. */
export const CONFORMANCE_NOW_S = 1_800_000_000;
/** `iss` of the suite's tokens and the `issuer` of `fapi`. */
export const CONFORMANCE_ISSUER = 'https://as.bank.test';
/** `aud` of the suite's tokens and the `audience` of `fapi`. */
export const CONFORMANCE_AUDIENCE = 'https://api.bank.test';
/** The `publicUrl` of `fapi`: every proof's `htu` is this plus the request path. */
export const CONFORMANCE_PUBLIC_URL = 'https://api.bank.test';
const NONCE_SECRET = 'conformance-nonce-secret-32-byte';
/** The client whose keys the apps' `httpSignatures` resolver knows (the tokens' `client_id`). */
export const CONFORMANCE_SIGNING_CLIENT = 'client-1';
/** `keyid` of client 1's request signing key (ES256, EC P-256). */
export const CONFORMANCE_CLIENT_KEY_ID = 'client-1-sig';
/** `keyid` of an HMAC secret registered for client 1, which must never verify. */
export const CONFORMANCE_CLIENT_HMAC_KEY_ID = 'client-1-hmac';
/** The HMAC secret behind {@link CONFORMANCE_CLIENT_HMAC_KEY_ID} (base64url). */
export const CONFORMANCE_CLIENT_HMAC_SECRET = 'Y29uZm9ybWFuY2UtaG1hYy1zZWNyZXQtMzItYnl0ZXMh';
/** `keyid` of the apps' response signing key (Ed25519, algorithm `ed25519`). */
export const CONFORMANCE_RESPONSE_KEY_ID = 'rs-sig-1';

/** Keys and certificates, made once per test file (RSA key generation is slow). */
export interface Material {
  authority: TestAuthority;
  dpopKey: DpopKey;
  otherDpopKey: DpopKey;
  eddsaDpopKey: DpopKey;
  rsaDpopKey: DpopKey;
  keys: { rs256: SigningKey; es384: SigningKey; attacker: SigningKey };
  ca: CertificateAuthority;
  serverCertificate: ServerCertificate;
  certificate: ClientCertificate;
  otherCertificate: ClientCertificate;
  /**
   * HTTP message signature keys: client 1's request key (registered with the apps), another
   * client's (registered nowhere the apps look) and the resource server's response key.
   */
  signatureKeys: { client: SigningKey; otherClient: SigningKey; response: SigningKey };
}

let material: Promise<Material> | undefined;

/** The shared key material of this test file. */
export function loadMaterial(): Promise<Material> {
  material ??= (async () => {
    const [authority, dpopKey, otherDpopKey, eddsaDpopKey, rsaDpopKey, rs256, es384, attacker] =
      await Promise.all([
        createTestAuthority({ issuer: CONFORMANCE_ISSUER, audience: CONFORMANCE_AUDIENCE }),
        createDpopKey('ES256'),
        createDpopKey('ES256'),
        createDpopKey('EdDSA'),
        createDpopKey('RS256'),
        createSigningKey('RS256', { kid: 'rs256-published' }),
        createSigningKey('ES384'),
        createSigningKey('ES256'),
      ]);
    // N13 needs an RS256 key that IS published: the algorithm alone must cause the rejection.
    authority.addKey(rs256);
    const [client, otherClient, response] = await Promise.all([
      createSigningKey('ES256', { kid: CONFORMANCE_CLIENT_KEY_ID }),
      createSigningKey('ES256', { kid: 'client-2-sig' }),
      createSigningKey('EdDSA', { kid: CONFORMANCE_RESPONSE_KEY_ID }),
    ]);
    const ca = await createCertificateAuthority({ name: 'CN=fapi-guard conformance CA' });
    const [serverCertificate, certificate, otherCertificate] = await Promise.all([
      ca.issueServerCertificate({ hostnames: ['127.0.0.1', 'localhost'] }),
      ca.issueClientCertificate({ subject: 'CN=client-1' }),
      ca.issueClientCertificate({ subject: 'CN=client-2' }),
    ]);
    return {
      authority,
      dpopKey,
      otherDpopKey,
      eddsaDpopKey,
      rsaDpopKey,
      keys: { rs256, es384, attacker },
      ca,
      serverCertificate,
      certificate,
      otherCertificate,
      signatureKeys: { client, otherClient, response },
    };
  })();
  return material;
}

/** A mutable clock in milliseconds, reset before every case. */
export interface SuiteClock {
  nowMs: number;
}

/** The options `make()` receives for a server variant. */
export function appOptions(
  server: ConformanceServer,
  m: Material,
  clock: SuiteClock,
): ConformanceAppOptions {
  const fapi: ResourceServerOptions = {
    issuer: CONFORMANCE_ISSUER,
    audience: CONFORMANCE_AUDIENCE,
    jwks: m.authority.jwks(),
    publicUrl: CONFORMANCE_PUBLIC_URL,
    clock: () => clock.nowMs,
    httpSignatures: signatureVerifier(m, clock),
  };
  switch (server) {
    case 'default':
      return { fapi };
    case 'nonce':
      return { fapi: { ...fapi, dpop: { nonce: { secret: NONCE_SECRET, rotateSeconds: 60 } } } };
    case 'trusted-proxy':
      return {
        fapi: { ...fapi, mtls: { header: { trustedProxies: ['127.0.0.1', '::1'] } } },
      };
    case 'untrusted-proxy':
      return { fapi: { ...fapi, mtls: { header: { trustedProxies: ['10.0.0.0/8'] } } } };
    case 'jwks-unreachable': {
      const { jwks: _jwks, ...rest } = fapi;
      // Port 1 (tcpmux) is closed on any test machine, and unlike a port freed by a test it
      // cannot be taken by a server of a parallel test file.
      return {
        fapi: { ...rest, jwksUri: 'http://127.0.0.1:1/jwks', jwksOptions: { timeoutMs: 2000 } },
      };
    }
    case 'tls':
      return {
        fapi,
        tls: {
          key: m.serverCertificate.keyPem,
          cert: m.serverCertificate.certPem,
          ca: m.ca.certPem,
          requestCert: true,
          rejectUnauthorized: false,
        },
      };
  }
}

/**
 * The apps' request signature verifier and response signer: client 1's keys only (any other
 * client, or another client's `keyid`, resolves to nothing), the suite clock, and a fresh
 * in-memory replay store per app on the same clock (so a nonce seen is remembered for the
 * signature window of suite time, whatever the real time).
 */
function signatureVerifier(m: Material, clock: SuiteClock) {
  const client1 = new Map<string, JsonWebKey>([
    [CONFORMANCE_CLIENT_KEY_ID, m.signatureKeys.client.publicJwk as JsonWebKey],
    [CONFORMANCE_CLIENT_HMAC_KEY_ID, { kty: 'oct', k: CONFORMANCE_CLIENT_HMAC_SECRET }],
  ]);
  return httpSignatures({
    resolveClientKey: (clientId, keyId) =>
      clientId === CONFORMANCE_SIGNING_CLIENT ? client1.get(keyId) : undefined,
    responseSigning: {
      key: m.signatureKeys.response.privateKey,
      keyId: CONFORMANCE_RESPONSE_KEY_ID,
      algorithm: 'ed25519',
    },
    clock: () => clock.nowMs,
    replayStore: memoryReplayStore({ clock: () => clock.nowMs }),
  });
}

/** The kit a case's `request()` receives, bound to `app`. */
export function createKit(m: Material, app: ConformanceApp, clock: SuiteClock): ConformanceKit {
  const htu = (path: string) => `${CONFORMANCE_PUBLIC_URL}${path.split(/[?#]/, 1)[0]}`;
  const targetUri = (path: string) => `${CONFORMANCE_PUBLIC_URL}${path.split('#', 1)[0]}`;
  const kit: ConformanceKit = {
    now: CONFORMANCE_NOW_S,
    issuer: CONFORMANCE_ISSUER,
    audience: CONFORMANCE_AUDIENCE,
    publicUrl: CONFORMANCE_PUBLIC_URL,
    authority: m.authority,
    dpopKey: m.dpopKey,
    otherDpopKey: m.otherDpopKey,
    eddsaDpopKey: m.eddsaDpopKey,
    rsaDpopKey: m.rsaDpopKey,
    keys: m.keys,
    ca: m.ca,
    certificate: m.certificate,
    otherCertificate: m.otherCertificate,
    signatureKeys: m.signatureKeys,
    htu,
    targetUri,
    dpopToken: (options = {}) =>
      m.authority.mintAccessToken({
        now: CONFORMANCE_NOW_S,
        scope: 'accounts payments',
        cnf: { jkt: m.dpopKey.jkt },
        ...options,
      }),
    mtlsToken: ({ certificate = m.certificate, ...options } = {}) =>
      m.authority.mintAccessToken({
        now: CONFORMANCE_NOW_S,
        scope: 'accounts payments',
        cnf: { 'x5t#S256': certificate.x5tS256 },
        ...options,
      }),
    proof: ({ token, method = 'GET', path = '/accounts', ...proof } = {}) =>
      dpopProof({
        key: m.dpopKey,
        htm: method,
        htu: htu(path),
        iat: Math.floor(clock.nowMs / 1000),
        ...(token === undefined ? {} : { accessToken: token }),
        ...proof,
      }),
    async dpopRequest({ method = 'GET', path = '/accounts', token, proof, headers, body } = {}) {
      const accessToken = token ?? (await kit.dpopToken());
      return {
        method,
        path,
        headers: {
          authorization: `DPoP ${accessToken}`,
          dpop: await kit.proof({ token: accessToken, method, path, ...proof }),
          ...headers,
        },
        ...(body === undefined ? {} : { body }),
      };
    },
    sign(request, { key = m.signatureKeys.client, ...options } = {}) {
      const body = requestBody(request);
      const signed = signRequest({
        key: key.privateKey,
        keyId: key.kid,
        // The JWS name of the key (ES256, EdDSA, PS256): RFC 9421 §3.3.7.
        algorithm: key.alg as SignatureAlgorithm,
        now: clock.nowMs,
        ...options,
        request: {
          method: request.method,
          url: targetUri(request.path),
          headers: request.headers,
          ...(body === undefined ? {} : { rawBody: Buffer.from(body.text) }),
        },
      });
      return { ...request, headers: { ...request.headers, ...signed } };
    },
    async signedRequest({ signature, ...options } = {}) {
      return kit.sign(await kit.dpopRequest({ path: '/signed/accounts', ...options }), signature);
    },
    verifyResponse: (response, request) =>
      verifyResponse({
        request: { method: request.method, url: targetUri(request.path), headers: request.headers },
        response: { status: response.status, headers: response.rawHeaders, body: response.body },
        key: m.signatureKeys.response.publicJwk as JsonWebKey,
        clock: () => clock.nowMs,
      }),
    send: (request) => sendRequest(app.url, request, { ca: m.ca.certPem }),
    setNow(seconds) {
      clock.nowMs = seconds * 1000;
    },
  };
  return kit;
}
