/**
 * Reject vectors N50–N55 and RFC 8705 / RFC 9440 over the wire: the client certificate from a real
 * TLS connection (`tls` server) and from a `Client-Cert` header of a trusted or untrusted peer.
 */
import { toClientCertHeader } from '../../certificates.js';
import type { ConformanceCase, ConformanceKit, ConformanceRequest } from '../types.js';
import { bearer, PRINCIPAL, TOKEN } from './shared.js';

const MTLS_BINDING = { kind: 'mtls', x5tS256: /^[A-Za-z0-9_-]{43}$/ };

/** `GET /mtls` with client 1's token and, when given, a Client-Cert header. */
const viaHeader = async (
  k: ConformanceKit,
  header?: string | string[],
  token?: string,
): Promise<ConformanceRequest> => {
  const request = bearer(token ?? (await k.mtlsToken()), '/mtls');
  if (header !== undefined) request.headers['client-cert'] = header;
  return request;
};

export const mtlsCases: ConformanceCase[] = [
  // The FAPI default configuration: certificates only from the TLS connection.
  {
    name: 'refuses an mTLS-bound token without a client certificate',
    specIds: ['N50', 'RS-MTLS-01'],
    request: (k) => viaHeader(k),
    expect: { ...TOKEN, code: 'ERR_FAPI_MTLS_NO_CERTIFICATE', scheme: 'Bearer' },
  },
  {
    name: 'ignores a Client-Cert header unless mtls.header is configured',
    specIds: ['N53', 'RS-MTLS-03'],
    request: async (k) => viaHeader(k, toClientCertHeader(k.certificate.der)),
    expect: { ...TOKEN, code: 'ERR_FAPI_MTLS_NO_CERTIFICATE', scheme: 'Bearer' },
  },
  ...[`${'A'.repeat(43)}=`, 'A'.repeat(42), 'ab'.repeat(32)].map((x5t): ConformanceCase => ({
    name: `refuses a malformed cnf x5t#S256 ${x5t.slice(0, 8)}…`,
    specIds: ['N52', 'RS-MTLS-02'],
    request: async (k) =>
      bearer(await k.authority.mintAccessToken({ now: k.now, cnf: { 'x5t#S256': x5t } }), '/mtls'),
    expect: { ...TOKEN, code: 'ERR_FAPI_MTLS_CNF_MALFORMED', scheme: 'Bearer' },
  })),
  {
    name: 'refuses a cnf with both jkt and x5t#S256',
    specIds: ['N55', 'RS-GEN-05'],
    request: async (k) =>
      k.dpopRequest({
        token: await k.dpopToken({
          cnf: { jkt: k.dpopKey.jkt, 'x5t#S256': k.certificate.x5tS256 },
        }),
      }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_BINDING_UNSUPPORTED', scheme: 'DPoP' },
  },
  {
    name: 'refuses a cnf with an unknown binding method',
    specIds: ['N55'],
    request: async (k) =>
      bearer(await k.authority.mintAccessToken({ now: k.now, cnf: { jwk: k.dpopKey.publicJwk } })),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_BINDING_UNSUPPORTED', scheme: 'Bearer' },
  },

  // A real TLS connection with a client certificate (RS-MTLS-01).
  {
    name: 'accepts the client certificate of the TLS connection that the token is bound to',
    specIds: ['RS-MTLS-01', 'RS-MTLS-02'],
    server: 'tls',
    request: async (k) => ({ ...(await viaHeader(k)), cert: k.certificate }),
    expect: { status: 200, body: { ...PRINCIPAL, binding: MTLS_BINDING } },
  },
  {
    name: "refuses client 1's TLS certificate with client 2's token",
    specIds: ['N51', 'RS-MTLS-01'],
    server: 'tls',
    request: async (k) => ({
      ...(await viaHeader(k, undefined, await k.mtlsToken({ certificate: k.otherCertificate }))),
      cert: k.certificate,
    }),
    expect: { ...TOKEN, code: 'ERR_FAPI_MTLS_THUMBPRINT_MISMATCH', scheme: 'Bearer' },
  },
  {
    name: 'refuses an mTLS-bound token on a TLS connection without a client certificate',
    specIds: ['N50', 'RS-MTLS-01'],
    server: 'tls',
    request: (k) => viaHeader(k),
    expect: { ...TOKEN, code: 'ERR_FAPI_MTLS_NO_CERTIFICATE', scheme: 'Bearer' },
  },
  {
    name: 'accepts a DPoP-bound payment over a TLS connection with a client certificate',
    specIds: ['RS-DPOP-01'],
    server: 'tls',
    request: async (k) => ({
      ...(await k.dpopRequest({ method: 'POST', path: '/payments' })),
      cert: k.certificate,
    }),
    expect: { status: 201, body: { ...PRINCIPAL, binding: { kind: 'dpop' } } },
  },

  // Client-Cert (RFC 9440) from a TLS-terminating proxy at 127.0.0.1.
  {
    name: 'accepts a Client-Cert header from a trusted proxy',
    specIds: ['RS-MTLS-03'],
    server: 'trusted-proxy',
    request: (k) => viaHeader(k, toClientCertHeader(k.certificate.der)),
    expect: { status: 200, body: { ...PRINCIPAL, binding: MTLS_BINDING } },
  },
  {
    name: 'accepts the scheme spelled bEARER with an mTLS-bound token',
    specIds: ['RS-TOK-01'],
    server: 'trusted-proxy',
    request: async (k) => {
      const request = await viaHeader(k, toClientCertHeader(k.certificate.der));
      request.headers['authorization'] = `bEARER ${await k.mtlsToken()}`;
      return request;
    },
    expect: { status: 200, body: { ...PRINCIPAL, binding: MTLS_BINDING } },
  },
  {
    name: "refuses client 1's certificate in Client-Cert with client 2's token",
    specIds: ['N51', 'RS-MTLS-01'],
    server: 'trusted-proxy',
    request: async (k) =>
      viaHeader(
        k,
        toClientCertHeader(k.certificate.der),
        await k.mtlsToken({ certificate: k.otherCertificate }),
      ),
    expect: { ...TOKEN, code: 'ERR_FAPI_MTLS_THUMBPRINT_MISMATCH', scheme: 'Bearer' },
  },
  {
    name: 'refuses two Client-Cert header fields from a trusted proxy',
    specIds: ['N54', 'RS-MTLS-03'],
    server: 'trusted-proxy',
    request: (k) =>
      viaHeader(k, [toClientCertHeader(k.certificate.der), toClientCertHeader(k.certificate.der)]),
    expect: {
      status: 400,
      code: 'ERR_FAPI_CLIENT_CERT_HEADER_INVALID',
      error: 'invalid_request',
      scheme: 'Bearer',
    },
  },
  {
    name: 'refuses a Client-Cert that is not a byte sequence',
    specIds: ['N54', 'RS-MTLS-03'],
    server: 'trusted-proxy',
    request: (k) => viaHeader(k, 'not-a-byte-sequence'),
    expect: {
      status: 400,
      code: 'ERR_FAPI_CLIENT_CERT_HEADER_INVALID',
      error: 'invalid_request',
      scheme: 'Bearer',
    },
  },
  {
    name: 'refuses an mTLS-bound token on the DPoP-bound route',
    specIds: ['RS-GEN-05'],
    server: 'trusted-proxy',
    request: async (k) => ({
      ...(await viaHeader(k, toClientCertHeader(k.certificate.der))),
      method: 'POST',
      path: '/payments',
    }),
    expect: { ...TOKEN, code: 'ERR_FAPI_BINDING_REQUIRED', scheme: 'Bearer' },
  },
  {
    name: 'ignores a Client-Cert header from a peer outside trustedProxies',
    specIds: ['N53', 'RS-MTLS-03', 'RS-MTLS-04'],
    server: 'untrusted-proxy',
    request: (k) => viaHeader(k, toClientCertHeader(k.certificate.der)),
    expect: { ...TOKEN, code: 'ERR_FAPI_MTLS_NO_CERTIFICATE', scheme: 'Bearer' },
  },
];
