/**
 * Signed requests (RFC 9421 under the FAPI 2.0 HTTP Signatures profile), as core sees them: an
 * interface for the verifier `@fapi-guard/http-signatures` makes, and the one step that calls it
 * after the token and its binding are verified. Core implements no signature logic itself.
 */
import { isFapiError } from './errors.js';
import type { HeaderBag, HeaderInput } from './headers.js';
import { failOption } from './lib/option-checks.js';
import { misconfigured } from './rejection.js';

/**
 * Whether a route needs a signed request: `required` refuses an unsigned one, `optional`
 * verifies a signature when one is present.
 *
 * @example
 * await rs.verify(request, { scopes: ['payments'], signedRequest: 'required' });
 */
export type SignedRequestMode = 'required' | 'optional';

/**
 * The verified request signature on the principal: what an application stores as evidence.
 *
 * @example
 * await evidence.save({ keyId: principal.signature?.keyId, input: principal.signature?.signatureInput });
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-3.2
 */
export interface SignatureEvidence {
  readonly label: string;
  readonly keyId: string;
  /** `created`, in seconds since the epoch. */
  readonly created: number;
  /** The covered component identifiers, serialized (`"@method"`). */
  readonly components: readonly string[];
  /** The `Signature-Input` member, without the label. */
  readonly signatureInput: string;
  /** The signature bytes, base64. */
  readonly signature: string;
}

/**
 * A request as a signature verifier or signer sees it: `url` is the `@target-uri`.
 *
 * @example
 * const view: SignedRequestView = { method: 'POST', url: 'https://api.bank.example/payments', headers: new Map() };
 */
export interface SignedRequestView {
  method: string;
  url: string;
  /** Lower-cased names to every value received, as core normalized them (not copied again). */
  headers: HeaderBag;
  rawBody?: Uint8Array | undefined;
}

/**
 * A response about to be sent, for {@link RequestSignatureVerifier.signResponse}: `body` is the
 * exact bytes that go on the wire.
 *
 * @example
 * rs.signResponse(request, principal, { status: 201, headers: { 'content-type': 'application/json' }, body });
 */
export interface ResponseToSign {
  status: number;
  headers: HeaderInput;
  body: Uint8Array;
}

/**
 * What core calls to verify a signed request (and, when configured, to sign responses):
 * `httpSignatures(...)` of `@fapi-guard/http-signatures` returns one.
 *
 * @example
 * createResourceServer({ ...options, httpSignatures: httpSignatures({ resolveClientKey }) });
 */
export interface RequestSignatureVerifier {
  verify(
    request: SignedRequestView,
    context: { clientId: string | undefined; signedRequest: SignedRequestMode },
  ): Promise<SignatureEvidence | undefined>;
  /**
   * The `Content-Digest`, `Signature-Input` and `Signature` headers of `response`, bound to
   * `request` and its verified `requestSignature`. Absent when no signing key is configured.
   */
  signResponse?(
    request: SignedRequestView,
    requestSignature: SignatureEvidence | undefined,
    response: ResponseToSign,
  ): Record<string, string>;
  close?(): void | Promise<void>;
}

/** Checks the `httpSignatures` option: a verifier object, not its options. */
export function assertHttpSignatures(value: unknown): RequestSignatureVerifier | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as { verify?: unknown }).verify !== 'function'
  ) {
    failOption(
      'httpSignatures',
      'must be the verifier httpSignatures({ resolveClientKey }) of @fapi-guard/http-signatures returns',
    );
  }
  return value as RequestSignatureVerifier;
}

/**
 * The request as signatures see it. `@target-uri` is `htu` (the URL DPoP's `htu` is compared
 * with: same origin and path, `publicUrl` applied) plus the request's query, which `htu` leaves
 * out but a signature must cover.
 */
export function signedRequestView(
  request: { method: string; url: string; headers: HeaderBag; rawBody: Uint8Array | undefined },
  htu: string,
): SignedRequestView {
  return {
    method: request.method,
    url: `${htu}${/\?[^#]*/.exec(request.url)?.[0] ?? ''}`,
    headers: request.headers,
    rawBody: request.rawBody,
  };
}

/**
 * Verifies the request's signature for `mode`, with the verified token's client. A route that
 * asks for signatures on a server configured without a verifier is a set-up mistake (500).
 */
export async function checkSignedRequest<P extends { clientId: string }>(
  verifier: RequestSignatureVerifier | undefined,
  principal: P,
  request: SignedRequestView,
  mode: SignedRequestMode,
): Promise<P & { signature?: SignatureEvidence }> {
  if (verifier === undefined) {
    throw misconfigured(new TypeError('signedRequest: set the httpSignatures option first'));
  }
  let signature: SignatureEvidence | undefined;
  try {
    signature = await verifier.verify(request, {
      clientId: principal.clientId,
      signedRequest: mode,
    });
  } catch (caught) {
    if (isFapiError(caught)) throw caught;
    throw caught instanceof TypeError ? misconfigured(caught) : caught;
  }
  return signature === undefined ? principal : { ...principal, signature };
}

/**
 * `authorize` (and so `forRequest(...).require`) is synchronous and has no request to verify a
 * signature on: it passes a `signedRequest` requirement only when `verify` already verified one
 * for this principal. Anything else is a set-up mistake (500), never a skipped check.
 */
export function assertSignatureChecked(
  principal: { signature?: SignatureEvidence | undefined },
  mode: SignedRequestMode | undefined,
): void {
  if (mode === undefined || principal.signature !== undefined) return;
  throw misconfigured(
    new TypeError('signedRequest: pass it to verify(request, requirements), which has the request'),
  );
}

/**
 * Signs `response` for `request` with the verifier's response key. A server without a
 * verifier, or a verifier without a signing key, is a set-up mistake (500), never an unsigned
 * answer on a route that promised signatures.
 */
export function signResponseWith(
  verifier: RequestSignatureVerifier | undefined,
  request: SignedRequestView,
  requestSignature: SignatureEvidence | undefined,
  response: ResponseToSign,
): Record<string, string> {
  if (typeof verifier?.signResponse !== 'function') {
    throw misconfigured(
      new TypeError('signedResponse: configure httpSignatures({ responseSigning }) first'),
    );
  }
  try {
    return verifier.signResponse(request, requestSignature, response);
  } catch (caught) {
    throw misconfigured(caught);
  }
}
