/**
 * The signed routes of the conformance app (RS-SIG-01..06): what every adapter's app serves
 * for HTTP message signatures, and the evidence its JSON answer carries.
 */
import type { SignatureEvidence } from '@fapi-guard/core';

/**
 * The part of a verified request signature the signed routes answer with: enough for the suite
 * to see which signature was checked, nothing an application would not log anyway.
 *
 * @example
 * res.json({ ...principalJson, signature: conformanceSignatureJson(principal) });
 */
export interface ConformanceSignatureJson {
  label: string;
  keyId: string;
  created: number;
  components: string[];
}

/**
 * The `signature` member of the signed routes' JSON: the principal's verified request
 * signature (`label`, `keyId`, `created`, `components`), or `null` when the request was not
 * signed (the optional route).
 *
 * | route | requirements | response |
 * |---|---|---|
 * | `GET /signed/accounts` | scopes `accounts`, signedRequest `required` | signed; 200 |
 * | `POST /signed/payments` (JSON body) | scopes `payments`, signedRequest `required` | signed; 201 |
 * | `GET /signed/optional` | signedRequest `optional` | not signed; 200 |
 *
 * @example
 * app.get('/signed/accounts', requireScopes('accounts').requireSignedRequest(), signedResponse(),
 *   (req, res) => res.json({ ...principalJson(req.fapi), signature: conformanceSignatureJson(req.fapi) }));
 */
export function conformanceSignatureJson(
  principal: { signature?: SignatureEvidence | undefined } | undefined,
): ConformanceSignatureJson | null {
  const signature = principal?.signature;
  if (signature === undefined) return null;
  const { label, keyId, created, components } = signature;
  return { label, keyId, created, components: [...components] };
}
