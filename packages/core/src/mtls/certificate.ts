import { FapiError } from '../errors.js';
import type { HeaderBag } from '../headers.js';
import { base64Decode, safeEqual, sha256Base64url } from '../lib/crypto.js';

/**
 * A client certificate as adapters have it: DER bytes, PEM text, or an X509Certificate.
 *
 * @example
 * const request: RequestLike = { ...base, clientCertificate: tlsSocket.getPeerCertificate(true).raw };
 */
export type CertificateInput = Uint8Array | string | { readonly raw: Uint8Array };

/** Where certificates from a TLS-terminating reverse proxy are read (RFC 9440), if anywhere. */
export interface CertificateHeaderPolicy {
  /** Lower-cased header name. */
  name: string;
  /** `rfc9440`: `:base64(DER):`; `pem`: PEM, optionally URL-encoded (nginx, Envoy XFCC-less). */
  format: 'rfc9440' | 'pem';
  /** Whether the TCP peer may set the header. */
  trusted: (peerAddress: string | undefined) => boolean;
}

const PEM = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;

/** DER bytes of a certificate given in any supported form; undefined when unreadable. */
export function certificateDer(input: CertificateInput): Uint8Array | undefined {
  if (typeof input === 'string') {
    const match = PEM.exec(input);
    return match ? base64Decode(match[1] as string) : undefined;
  }
  if (input instanceof Uint8Array) return input;
  if (typeof input === 'object' && input !== null && input.raw instanceof Uint8Array) {
    return input.raw;
  }
  return undefined;
}

/**
 * The client certificate of this request: from the header when a trusted proxy sent it (RS-MTLS-03,
 * RS-MTLS-04), else from the TLS connection (RS-MTLS-01). A header from any other peer is ignored.
 */
export function clientCertificateDer(
  fromSocket: CertificateInput | null | undefined,
  headers: HeaderBag,
  peerAddress: string | undefined,
  headerPolicy: CertificateHeaderPolicy | undefined,
): Uint8Array | undefined {
  if (headerPolicy && headerPolicy.trusted(peerAddress)) {
    const values = headers.get(headerPolicy.name);
    if (values) return parseCertificateHeader(values, headerPolicy.format);
  }
  return fromSocket ? certificateDer(fromSocket) : undefined;
}

function parseCertificateHeader(values: readonly string[], format: 'rfc9440' | 'pem'): Uint8Array {
  // Client-Cert is a singleton; a comma cannot appear in a single sf-binary item.
  if (values.length !== 1 || (format === 'rfc9440' && (values[0] as string).includes(','))) {
    throw new FapiError('ERR_FAPI_CLIENT_CERT_HEADER_INVALID');
  }
  const value = (values[0] as string).trim();
  let der: Uint8Array | undefined;
  if (format === 'rfc9440') {
    const match = /^:([A-Za-z0-9+/=]+):$/.exec(value);
    der = match ? base64Decode(match[1] as string) : undefined;
  } else {
    let pem = value;
    try {
      pem = decodeURIComponent(value);
    } catch {
      // Not URL-encoded; read as is.
    }
    der = certificateDer(pem);
  }
  if (!der || der.length === 0) throw new FapiError('ERR_FAPI_CLIENT_CERT_HEADER_INVALID');
  return der;
}

const X5T_S256 = /^[A-Za-z0-9_-]{43}$/;

/**
 * Checks an mTLS-bound token against the client certificate (RFC 8705 §3): `cnf["x5t#S256"]`
 * (`expected`) must be the unpadded base64url SHA-256 of the certificate's DER (RS-MTLS-02),
 * compared in constant time. Returns the thumbprint. Does NOT validate the certificate chain.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3.1
 */
export function checkCertificateBinding(expected: string, der: Uint8Array | undefined): string {
  if (!X5T_S256.test(expected)) {
    throw new FapiError('ERR_FAPI_MTLS_CNF_MALFORMED', { scheme: 'Bearer' });
  }
  if (!der) throw new FapiError('ERR_FAPI_MTLS_NO_CERTIFICATE', { scheme: 'Bearer' });
  const actual = sha256Base64url(der);
  if (!safeEqual(actual, expected)) {
    throw new FapiError('ERR_FAPI_MTLS_THUMBPRINT_MISMATCH', { scheme: 'Bearer' });
  }
  return actual;
}
