/**
 * The public types of the verifier: what adapters pass in (`RequestLike`), what they get back
 * (`Principal`), and the verifier itself (`ResourceServer`, `RequestAuthorization`).
 */
import type { AccessTokenClaims } from './access-token/claims.js';
import type { AuthorizationDetail, RequirementContext } from './authorization-details.js';
import type { HeaderInput } from './headers.js';
import type { MetadataExtras, ProtectedResourceMetadata } from './metadata.js';
import type { CertificateInput } from './mtls/certificate.js';
import type { Requirements } from './requirements.js';
import type { ResponseToSign, SignatureEvidence } from './signatures.js';

/**
 * A request as any framework can describe it.
 *
 * @example
 * const request: RequestLike = {
 *   method: 'GET',
 *   url: 'https://api.bank.example/accounts',
 *   headers: req.headersDistinct,
 * };
 */
export interface RequestLike {
  method: string;
  /** Absolute URL as the client addressed it (or a path, when `publicUrl` is configured). */
  url: string | URL;
  /** Keep duplicates visible: pass `req.headersDistinct` or `req.rawHeaders` on Node. */
  headers: HeaderInput;
  /** The TLS client certificate: DER bytes, PEM, or an X509Certificate. */
  clientCertificate?: CertificateInput | null;
  /** The TCP peer's address, for the trusted-proxy check of certificate headers. */
  peerAddress?: string;
  /** The parsed request body, if the framework parsed one (form-body tokens are refused). */
  body?: unknown;
  /** The body bytes as received, for `Content-Digest` of signed requests (RFC 9530). */
  rawBody?: Uint8Array;
}

/**
 * How the access token is sender-constrained.
 *
 * @example
 * if (principal.binding.kind === 'dpop') log.info({ jkt: principal.binding.jkt });
 */
export type Binding =
  { kind: 'dpop'; jkt: string } | { kind: 'mtls'; x5tS256: string } | { kind: 'bearer' };

/**
 * Who is calling, once every check passed.
 *
 * @example
 * const principal = await rs.verify(request, { scopes: ['accounts'] });
 * res.set(principal.responseHeaders).json(await accounts.of(principal.subject));
 */
export interface Principal {
  subject: string;
  clientId: string;
  issuer: string;
  scopes: string[];
  claims: AccessTokenClaims;
  binding: Binding;
  /**
   * The elements of the token's `authorization_details` that covered the route's
   * `authorizationDetails` requirement (RS-RAR-05); `[]` while no requirement asked for them.
   * The token's whole list stays in `claims.authorization_details`.
   */
  authorizationDetails: readonly AuthorizationDetail[];
  /** The token's `acr` (how the user authenticated), when it has one. */
  acr: string | undefined;
  /** The token's `auth_time` (seconds since the epoch), when it has one. */
  authTime: number | undefined;
  /** The `x-fapi-interaction-id` in force (the client's UUID, or a new one). */
  interactionId: string;
  /**
   * Headers for the successful response: `Cache-Control: no-store`, `x-fapi-interaction-id`,
   * and a fresh `DPoP-Nonce` when the client's nonce is about to expire.
   */
  responseHeaders: Record<string, string>;
  /** The verified request signature, when the route asked for one (RS-SIG-01). */
  signature?: SignatureEvidence | undefined;
}

/**
 * One request's authorization, the pipeline every adapter uses: the token and its binding are
 * verified at most once per request (a DPoP proof presented twice would be refused as a
 * replay), then each further requirement is checked against that principal.
 *
 * @example
 * const authorization = rs.forRequest(req, () => fromNodeRequest(req));
 * const principal = await authorization.require({ scopes: ['payments'] });
 */
export interface RequestAuthorization {
  /** Verifies the request on the first call; later calls share that result. */
  principal(): Promise<Principal>;
  /**
   * The principal once `requirements` hold for it: verifies first if nothing did yet, then
   * checks (see {@link ResourceServer.authorize}). Rejects with a FapiError only. Resolves with
   * the request's principal enriched by every requirement checked so far on this request (the
   * matched `authorizationDetails` of an earlier call are kept). `context` is what an
   * authorization details `match` sees; without it, the method, path and query of the request
   * and no path parameters. A `signedRequest` requirement verifies the request's signature here
   * (once per request), describing the request afresh so that a `rawBody` captured by a body
   * parser since the guard ran is seen.
   */
  require(requirements: Requirements, context?: RequirementContext): Promise<Principal>;
}

/**
 * The verifier every adapter wraps.
 *
 * @example
 * const rs: ResourceServer = createResourceServer(options);
 * const principal = await rs.verify(request);
 */
export interface ResourceServer {
  /**
   * Decides whether `request` may reach a resource with `requirements`. Resolves with the
   * principal, or rejects with a `FapiError` whose `status`, `headers` and `body()` are
   * ready for the wire. Never rejects with anything else.
   */
  verify(request: RequestLike, requirements?: Requirements): Promise<Principal>;
  /**
   * Checks further route requirements against a principal `verify` already returned (for
   * middleware that declares requirements in several places), without verifying the token or
   * the proof again. Throws a `FapiError` ready for the wire, challenging in the
   * principal's scheme. Returns the principal, or a new one carrying the matched
   * `authorizationDetails` when the requirements asked for them. A requirement with a `match`
   * needs `context` (else ERR_FAPI_MISCONFIGURED).
   */
  authorize(
    principal: Principal,
    requirements: Requirements,
    context?: RequirementContext,
  ): Principal;
  /**
   * The {@link RequestAuthorization} of one request, created on first use for `key` (the
   * framework's request object) and shared by every later caller with the same key: a global
   * guard and a route's own guard verify once between them. `describe` maps the request to a
   * {@link RequestLike}; it runs at most once, when verification starts.
   */
  forRequest(key: object, describe: () => RequestLike): RequestAuthorization;
  /**
   * The `Content-Digest`, `Signature-Input` and `Signature` headers that sign `response` (its
   * `body` the exact bytes sent) as the answer to `request` and, when `principal` carries one,
   * to its verified request signature (RFC 9421 §2.4). Throws a 500 `FapiError`
   * (ERR_FAPI_MISCONFIGURED) when `httpSignatures` has no `responseSigning` key.
   */
  signResponse(
    request: RequestLike,
    principal: Principal | undefined,
    response: ResponseToSign,
  ): Record<string, string>;
  /** Whether {@link ResourceServer.signResponse} can sign (a response signing key is set). */
  readonly signsResponses: boolean;
  /** RFC 9728 protected resource metadata for this configuration. */
  metadata(extras?: MetadataExtras): ProtectedResourceMetadata;
  /** Releases timers and the default replay store. */
  close(): Promise<void>;
}
