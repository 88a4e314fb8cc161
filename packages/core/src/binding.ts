/**
 * The binding step: which proof of possession the access token's `cnf` demands, and the
 * policy that checks it. Refuses scheme downgrades and tokens bound in two ways or in an
 * unknown way (RS-GEN-05, RS-DPOP-15, RFC 8705 §3).
 */
import type { DpopPolicy } from './dpop/proof.js';
import { FapiError, type AuthScheme } from './errors.js';
import type { MtlsSettings } from './mtls/options.js';

/** What the token demands, with what checks it; `kind` as in {@link Binding}. */
export type TokenBinding =
  | { kind: 'dpop'; jkt: string; policy: DpopPolicy }
  | { kind: 'mtls'; x5tS256: string; policy: MtlsSettings }
  | { kind: 'bearer' };

/** The binding features this resource server has on; undefined means off. */
export interface BindingFeatures {
  dpop: DpopPolicy | undefined;
  mtls: MtlsSettings | undefined;
  senderConstraint: 'required' | 'optional';
}

/**
 * The binding `cnf` demands, given the scheme the client used: `jkt` demands `DPoP`, `x5t#S256`
 * demands `Bearer` with a certificate, no `cnf` is refused unless sender constraint is
 * optional. Does NOT check the proof or the certificate: the caller does, with `policy`.
 */
export function tokenBinding(
  cnf: Record<string, unknown> | undefined,
  scheme: AuthScheme,
  features: BindingFeatures,
): TokenBinding {
  const jkt = cnf?.jkt;
  const x5tS256 = cnf?.['x5t#S256'];
  if (jkt !== undefined && x5tS256 !== undefined) {
    throw new FapiError('ERR_FAPI_TOKEN_BINDING_UNSUPPORTED');
  }
  if (jkt !== undefined) {
    if (typeof jkt !== 'string' || !features.dpop) {
      throw new FapiError('ERR_FAPI_TOKEN_BINDING_UNSUPPORTED');
    }
    if (scheme !== 'DPoP') throw new FapiError('ERR_FAPI_DPOP_DOWNGRADE', { scheme: 'Bearer' });
    return { kind: 'dpop', jkt, policy: features.dpop };
  }
  if (scheme === 'DPoP') throw new FapiError('ERR_FAPI_DPOP_NOT_BOUND', { scheme: 'DPoP' });
  if (x5tS256 !== undefined) {
    if (!features.mtls) throw new FapiError('ERR_FAPI_TOKEN_BINDING_UNSUPPORTED');
    if (typeof x5tS256 !== 'string') {
      throw new FapiError('ERR_FAPI_MTLS_CNF_MALFORMED', { scheme: 'Bearer' });
    }
    return { kind: 'mtls', x5tS256, policy: features.mtls };
  }
  if (cnf !== undefined && Object.keys(cnf).length > 0) {
    throw new FapiError('ERR_FAPI_TOKEN_BINDING_UNSUPPORTED');
  }
  if (features.senderConstraint === 'required') {
    throw new FapiError('ERR_FAPI_TOKEN_NOT_SENDER_CONSTRAINED');
  }
  return { kind: 'bearer' };
}
