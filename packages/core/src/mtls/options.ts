/** The `mtls` option: validated once, when the verifier is created. */
import { assertKnownKeys, assertObject, failOption } from '../lib/option-checks.js';
import type { CertificateHeaderPolicy } from './certificate.js';
import { addressMatcher } from './ip.js';

/**
 * mTLS-bound access tokens (RFC 8705): where the client certificate comes from.
 *
 * @example
 * createResourceServer({ ...options, mtls: { header: { trustedProxies: ['10.0.0.0/8'] } } });
 * @see https://www.rfc-editor.org/rfc/rfc9440#section-2
 */
export interface MtlsOptions {
  /**
   * Read the client certificate from a header set by a TLS-terminating reverse proxy
   * (RFC 9440). Off by default; only peers in `trustedProxies` may set it.
   */
  header?: {
    /** Default `client-cert`. */
    name?: string;
    /** Default `rfc9440` (`:base64(DER):`); `pem` for URL-encoded PEM (e.g. nginx). */
    format?: 'rfc9440' | 'pem';
    /** IP addresses or CIDR ranges of the proxies allowed to set the header. */
    trustedProxies: readonly string[];
  };
}

/** {@link MtlsOptions} after validation. */
export interface MtlsSettings {
  /** Where a trusted proxy puts the certificate; undefined: the TLS socket only. */
  header: CertificateHeaderPolicy | undefined;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Validates the `mtls` option: undefined when mTLS is off (`false`). */
export function resolveMtlsOptions(
  value: MtlsOptions | false | undefined,
): MtlsSettings | undefined {
  if (value === false) return undefined;
  const given = value ?? {};
  assertObject('mtls', given);
  assertKnownKeys('mtls', given, ['header']);
  const header = given.header;
  if (header === undefined) return { header: undefined };
  assertObject('mtls.header', header);
  assertKnownKeys('mtls.header', header, ['name', 'format', 'trustedProxies']);
  if (!Array.isArray(header.trustedProxies) || header.trustedProxies.length === 0) {
    failOption('mtls.header.trustedProxies', 'must list at least one proxy address or CIDR');
  }
  const format = header.format ?? 'rfc9440';
  if (format !== 'rfc9440' && format !== 'pem') {
    failOption('mtls.header.format', "must be 'rfc9440' or 'pem'");
  }
  const name = header.name ?? 'client-cert';
  if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
    failOption('mtls.header.name', 'must be a header name');
  }
  return {
    header: { name: name.toLowerCase(), format, trusted: addressMatcher(header.trustedProxies) },
  };
}
