import type { ConformanceCase } from '../types.js';
import { acceptCases } from './accept.js';
import { accessTokenCases } from './access-token.js';
import { consentCases } from './consent.js';
import { credentialCases } from './credentials.js';
import { dpopCases } from './dpop.js';
import { guardCases } from './guard.js';
import { mtlsCases } from './mtls.js';
import { signatureCases } from './signatures.js';

/**
 * The conformance table every adapter runs, where every response is also checked for `Date`
 * (RS-HDR-03): reject vectors N01–N22 and N25–N55 of
 * docs/requirements.md over HTTP (same status, `error`, challenge scheme and core code as core's
 * own vector tests), the "must not be rejected" list, x-fapi-interaction-id, a JWKS outage, mTLS over a real TLS connection and
 * through `Client-Cert`, the guard on a route with no requirement of its own, and the one
 * explicitly public route (and spellings of its path that must not be public), and the
 * consent routes (authorization details, step-up and a claims rule, RS-RAR-01..05,
 * RS-STEP-01..03, RS-CLAIM-01), and the
 * signed routes (HTTP message signatures, RS-SIG-01..06).
 */
export const conformanceCases: ConformanceCase[] = [
  ...credentialCases,
  ...accessTokenCases,
  ...dpopCases,
  ...mtlsCases,
  ...acceptCases,
  ...guardCases,
  ...consentCases,
  ...signatureCases,
];
