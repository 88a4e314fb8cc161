/**
 * Rules that hold across many checks: every access-token failure is one answer (RS-JWT-07), a
 * failing proof never touches the replay store (RS-DPOP-18), and certificate-based decisions
 * are never cacheable (RS-MTLS-05).
 */
import {
  createClientCertificate,
  tamperSignature,
  toClientCertHeader,
  type ClientCertificate,
  type MintAccessTokenOptions,
} from '@fapi-guard/testing';
import type { RequestLike } from '../src/index.js';
import { createKit, expectRejection, ISSUER, NOW_S, RESOURCE_URL, type Kit } from './fixture.js';

let kit: Kit;
let cert: ClientCertificate;
let otherCert: ClientCertificate;

beforeAll(async () => {
  kit = await createKit({ mtls: { header: { trustedProxies: ['10.0.0.0/8'] } } });
  cert = await createClientCertificate({ subject: 'CN=client-1' });
  otherCert = await createClientCertificate({ subject: 'CN=client-2' });
});

describe('every access-token failure is 401 invalid_token (RS-JWT-07)', () => {
  const failures: [string, MintAccessTokenOptions, string][] = [
    ['expired', { now: NOW_S - 400 }, 'ERR_FAPI_TOKEN_EXPIRED'],
    ['issuer of another server', { claims: { iss: `${ISSUER}.evil` } }, 'ERR_FAPI_TOKEN_ISSUER'],
    [
      'audience of another server',
      { claims: { aud: 'https://other.test' } },
      'ERR_FAPI_TOKEN_AUDIENCE',
    ],
    ['typ JWT', { header: { typ: 'JWT' } }, 'ERR_FAPI_TOKEN_TYPE'],
    ['unknown kid', { header: { kid: 'no-such-key' } }, 'ERR_FAPI_TOKEN_KEY_NOT_FOUND'],
    ['sub missing', { claims: { sub: undefined } }, 'ERR_FAPI_TOKEN_CLAIM_INVALID'],
    ['unknown crit', { header: { crit: ['x-ext'], 'x-ext': 1 } }, 'ERR_FAPI_TOKEN_CRIT'],
  ];

  test.each(failures)('%s', async (_what, mint, code) => {
    const token = await kit.dpopToken(mint);
    await expectRejection(kit.rs, await kit.dpopRequest({ token }), {
      status: 401,
      code,
      error: 'invalid_token',
      scheme: 'DPoP',
    });
  });

  test('a bad signature', async () => {
    const token = tamperSignature(await kit.dpopToken());
    await expectRejection(kit.rs, await kit.dpopRequest({ token }), {
      status: 401,
      code: 'ERR_FAPI_TOKEN_SIGNATURE',
      error: 'invalid_token',
      scheme: 'DPoP',
    });
  });
});

describe('a proof that failed a check does not use up its jti (RS-DPOP-18)', () => {
  const request = (token: string, proof: string, method = 'GET'): RequestLike => ({
    method,
    url: RESOURCE_URL,
    headers: { authorization: `DPoP ${token}`, dpop: proof },
  });
  const passes = (token: string, proof: string) =>
    expect(kit.rs.verify(request(token, proof))).resolves.toMatchObject({
      binding: { kind: 'dpop' },
    });

  test('a copy with a forged signature is refused and the genuine proof still passes', async () => {
    const token = await kit.dpopToken();
    const proof = await kit.proof(token);
    await expectRejection(kit.rs, request(token, tamperSignature(proof)), {
      status: 401,
      code: 'ERR_FAPI_DPOP_SIGNATURE',
    });
    await passes(token, proof);
  });

  test('the proof sent with another token (ath mismatch) is refused and still passes with its own', async () => {
    const token = await kit.dpopToken();
    const proof = await kit.proof(token);
    const other = await kit.dpopToken({ scope: 'accounts' });
    await expectRejection(kit.rs, request(other, proof), {
      status: 401,
      code: 'ERR_FAPI_DPOP_ATH_MISMATCH',
    });
    await passes(token, proof);
  });

  test('the proof sent with another method (htm mismatch) is refused and still passes', async () => {
    const token = await kit.dpopToken();
    const proof = await kit.proof(token);
    await expectRejection(kit.rs, request(token, proof, 'POST'), {
      status: 401,
      code: 'ERR_FAPI_DPOP_HTM_MISMATCH',
    });
    await passes(token, proof);
  });

  test('control: a proof that passed is used up', async () => {
    const token = await kit.dpopToken();
    const proof = await kit.proof(token);
    await passes(token, proof);
    await expectRejection(kit.rs, request(token, proof), {
      status: 401,
      code: 'ERR_FAPI_DPOP_REPLAY',
    });
  });
});

describe('Cache-Control: no-store on every decision made on a client certificate (RS-MTLS-05)', () => {
  const viaProxy = async (presented: ClientCertificate): Promise<RequestLike> => ({
    method: 'GET',
    url: RESOURCE_URL,
    headers: {
      authorization: `Bearer ${await kit.authority.mintAccessToken({ now: NOW_S, cnf: { 'x5t#S256': cert.x5tS256 } })}`,
      'client-cert': toClientCertHeader(presented.der),
    },
    peerAddress: '10.1.2.3',
  });

  test('an accepted Client-Cert request', async () => {
    const principal = await kit.rs.verify(await viaProxy(cert));
    expect(principal.responseHeaders['cache-control']).toBe('no-store');
  });

  test('a Client-Cert request refused for another certificate', async () => {
    const error = await expectRejection(kit.rs, await viaProxy(otherCert), {
      status: 401,
      code: 'ERR_FAPI_MTLS_THUMBPRINT_MISMATCH',
      error: 'invalid_token',
      scheme: 'Bearer',
    });
    expect(error.headers['cache-control']).toBe('no-store');
  });

  test('a certificate from the TLS connection', async () => {
    const token = await kit.authority.mintAccessToken({
      now: NOW_S,
      cnf: { 'x5t#S256': cert.x5tS256 },
    });
    const principal = await kit.rs.verify({
      method: 'GET',
      url: RESOURCE_URL,
      headers: { authorization: `Bearer ${token}` },
      clientCertificate: cert.der,
    });
    expect(principal.responseHeaders['cache-control']).toBe('no-store');
  });
});
