import type { FapiErrorCode, ResourceServerOptions } from '@fapi-guard/core';
import type { TestAuthority, MintAccessTokenOptions } from '../authority.js';
import type { CertificateAuthority, ClientCertificate } from '../certificates.js';
import type { DpopKey, DpopProofOptions } from '../dpop.js';
import type { SignRequestOptions, VerifiedResponse } from '@fapi-guard/http-signatures';
import type { SigningKey } from '../keys.js';

/** A running conformance app, as an adapter's {@link MakeConformanceApp} started it. */
export interface ConformanceApp {
  /** Base URL, `http://127.0.0.1:PORT` (or `https:` when started with `tls`). */
  url: string;
  /** Stops the server (destroying open connections) and releases the guard. */
  close(): Promise<void>;
}

/** What the suite asks an adapter to start. */
export interface ConformanceAppOptions {
  /** Passed verbatim to the adapter (its `fapiGuard(options)` / module options). */
  fapi: ResourceServerOptions;
  /** Serve HTTPS with this certificate, asking clients for a certificate, when set. */
  tls?: {
    key: string;
    cert: string;
    ca?: string;
    requestCert: true;
    rejectUnauthorized: false;
  };
}

/**
 * Starts the adapter's conformance app. The guard covers the whole app (Express and Koa:
 * `app.use(fapiGuard(...))`; Nest: a global guard), and it must serve, with the adapter's own
 * helpers:
 *
 * | route | requirements | success |
 * |---|---|---|
 * | `GET /accounts` | every scope of `accounts` | 200 `{ subject, clientId, scopes, binding }` |
 * | `POST /payments` | scope `payments`, DPoP-bound | 201, same JSON |
 * | `GET /mtls` | mTLS-bound | 200, same JSON |
 * | `GET /any` | any of `admin`, `accounts` | 200, same JSON |
 * | `GET /unmarked` | none stated (no helper, no decorator): still guarded | 200, same JSON |
 * | `GET /public` | explicitly public (Express/Koa `publicPaths: ['/public']`, Nest `@Public()`) | 200 `{ ok: true }` |
 * | `POST /consented-payments` | authorization details `CONFORMANCE_PAYMENT_CONSENT` (JSON body `{ amount, currency }`) | 201, same JSON |
 * | `GET /accounts/:accountId` | authorization details `CONFORMANCE_ACCOUNT_CONSENT` | 200, same JSON |
 * | `GET /strong` | step-up `CONFORMANCE_STEP_UP`: `acr` `CONFORMANCE_STRONG_ACR`, `maxAge` 300 | 200, same JSON |
 * | `GET /claims` | claims predicate `CONFORMANCE_CLAIMS_RULE`: `customer_type` is `business` | 200, same JSON |
 *
 * The JSON of guarded routes is `{ subject, clientId, scopes, binding, authorizationDetails, acr }`
 * of the principal the route's helpers produced (the matched authorization details included).
 *
 * Form bodies (`application/x-www-form-urlencoded`) are parsed before the guard, so a body
 * `access_token` reaches core; JSON bodies are parsed too (the consented payment's matcher reads
 * them). Guarded responses carry `principal.responseHeaders`; rejections
 * carry the FapiError's `status`, `headers` and JSON `body()` (`application/json`).
 */
export type MakeConformanceApp = (options: ConformanceAppOptions) => Promise<ConformanceApp>;

/** One HTTP request of a case. */
export interface ConformanceRequest {
  method: string;
  /** Path and query, e.g. `/accounts?from=2027-01-01`. */
  path: string;
  /**
   * Sent as given: names keep their case, and an array is sent as that many header lines
   * (`authorization: [a, b]` is two `Authorization` fields, not one joined value).
   */
  headers: Record<string, string | string[]>;
  /**
   * A record is sent as `application/x-www-form-urlencoded` (unless `headers` name another
   * content type); a string is sent verbatim.
   */
  body?: Record<string, string> | string;
  /** TLS client certificate to present (HTTPS apps only). */
  cert?: { certPem: string; keyPem: string };
}

/** A response as the suite saw it. */
export interface ConformanceResponse {
  status: number;
  /** Lower-cased names; repeated fields joined with `, `. */
  headers: Record<string, string>;
  /** Every value of each field, in order. */
  rawHeaders: Record<string, string[]>;
  text: string;
  /** The body bytes exactly as received (what a response signature's digest covers). */
  body: Uint8Array;
  /** The parsed body when it is JSON, else undefined. */
  json: unknown;
}

/** Which app configuration a case runs against. */
export type ConformanceServer =
  /** The FAPI defaults: DPoP and mTLS (socket certificate), `publicUrl`, a fixed clock. */
  | 'default'
  /** `dpop.nonce` on (rotating every 60 s). */
  | 'nonce'
  /** `mtls.header.trustedProxies` includes the loopback addresses (plain HTTP). */
  | 'trusted-proxy'
  /** `mtls.header.trustedProxies` lists only 10.0.0.0/8 (plain HTTP). */
  | 'untrusted-proxy'
  /** `jwksUri` points at a closed port. */
  | 'jwks-unreachable'
  /** HTTPS with `requestCert`: the client certificate comes from the TLS connection. */
  | 'tls';

/** What a case's final response must show. */
export interface ConformanceExpectation {
  status: number;
  /** The scheme whose challenge carries `error` (the only one, unless `both`). */
  scheme?: 'Bearer' | 'DPoP' | 'both';
  /** The `error` value in the challenge and the body; `null`: no challenge carries an error. */
  error?: string | null;
  /** Core's stable code, checked through the body's `error_description`. */
  code?: FapiErrorCode;
  /** Response headers: exact value, a pattern, or `null` for "absent". */
  headers?: Record<string, string | RegExp | null>;
  /** Members the JSON body must have (objects match partially, RegExps match strings). */
  body?: Record<string, unknown>;
  /** The answer of the public route: no FAPI response headers are required. */
  publicRoute?: boolean;
  /**
   * A 404 (no route matches the path, so no handler ran) also passes, in place of everything
   * above: for path spellings that frameworks route differently.
   */
  orNoRoute?: boolean;
}

/** One row of the conformance table: a request (after optional set-up requests) and its outcome. */
export interface ConformanceCase {
  /** States the rule, e.g. "rejects a DPoP proof whose htu has a different path". */
  name: string;
  /** Requirement and reject-vector IDs the case proves (`N37`, `RS-DPOP-09`; docs/requirements.md). */
  specIds: string[];
  /** App configuration; default `default`. */
  server?: ConformanceServer;
  /**
   * The request path is another spelling of `/public`. With the suite option
   * `publicBy: 'handler'`, the public route's own answer (200 `{ ok: true }`) also passes.
   */
  publicSpelling?: boolean;
  /** Builds the request; may first send set-up requests with `kit.send`. */
  request(kit: ConformanceKit): Promise<ConformanceRequest>;
  expect: ConformanceExpectation;
  /**
   * Further checks of the final response, run after `expect` passed (a client verifying the
   * response signature); throws to fail the case.
   */
  check?(
    response: ConformanceResponse,
    request: ConformanceRequest,
    kit: ConformanceKit,
  ): Promise<void>;
}

/** Options of {@link ConformanceKit.dpopRequest}. */
export interface DpopRequestOptions {
  /** Default `GET`. */
  method?: string;
  /** Default `/accounts`. */
  path?: string;
  /** Default: a fresh `dpopToken()`. */
  token?: string;
  /** Merged over the proof defaults (htm = method, htu = public URL of path, ath, iat = now). */
  proof?: Partial<DpopProofOptions>;
  /** Merged over `Authorization: DPoP <token>` and `DPoP: <proof>`. */
  headers?: Record<string, string | string[]>;
  body?: ConformanceRequest['body'];
}

/**
 * Overrides of a request signature made by {@link ConformanceKit.sign}: `key` (default client
 * 1's, `keyid` = its `kid`) and any `signRequest` option (`components`, `nonce`, `expires`,
 * `tag`, `now`, `label`).
 */
export interface SignatureOverrides extends Partial<Omit<SignRequestOptions, 'request' | 'key'>> {
  key?: SigningKey;
}

/** Options of {@link ConformanceKit.signedRequest}: a DPoP request, then signed. */
export interface SignedRequestOptions extends DpopRequestOptions {
  signature?: SignatureOverrides;
}

/** Keys, tokens, proofs and certificates for building requests, bound to one running app. */
export interface ConformanceKit {
  /** The suite's fixed time in seconds (`fapi.clock` returns it; see {@link setNow}). */
  readonly now: number;
  readonly issuer: string;
  readonly audience: string;
  /** `https://api.bank.test`: the apps' `publicUrl`, so every `htu` starts with it. */
  readonly publicUrl: string;
  readonly authority: TestAuthority;
  /** Client 1's DPoP key (ES256): `dpopToken()` is bound to it. */
  readonly dpopKey: DpopKey;
  /** Another client's DPoP key (ES256). */
  readonly otherDpopKey: DpopKey;
  /** An EdDSA DPoP key. */
  readonly eddsaDpopKey: DpopKey;
  /** An RS256 DPoP key (outside the FAPI algorithms). */
  readonly rsaDpopKey: DpopKey;
  /** Signing keys outside the authority's JWKS, except `rs256`, which is published. */
  readonly keys: { rs256: SigningKey; es384: SigningKey; attacker: SigningKey };
  readonly ca: CertificateAuthority;
  /** Client 1's certificate (issued by `ca`). */
  readonly certificate: ClientCertificate;
  /** Client 2's certificate. */
  readonly otherCertificate: ClientCertificate;
  /** Request signature keys: client 1's (registered), another client's, the apps' response key. */
  readonly signatureKeys: { client: SigningKey; otherClient: SigningKey; response: SigningKey };
  /** `publicUrl` + path, without query: the `htu` of a request to `path`. */
  htu(path: string): string;
  /** `publicUrl` + path and query: the `@target-uri` a request signature covers. */
  targetUri(path: string): string;
  /** A token bound to `dpopKey`, scope `accounts payments`, issued now. */
  dpopToken(options?: MintAccessTokenOptions): Promise<string>;
  /** A token bound to `certificate` (or `options.certificate`), scope `accounts payments`. */
  mtlsToken(
    options?: MintAccessTokenOptions & { certificate?: ClientCertificate },
  ): Promise<string>;
  /** A proof for `method` (default GET) and `path` (default /accounts), with `ath` of `token`. */
  proof(
    options?: { token?: string; method?: string; path?: string } & Partial<DpopProofOptions>,
  ): Promise<string>;
  /** A complete, valid DPoP request (`GET /accounts` unless told otherwise). */
  dpopRequest(options?: DpopRequestOptions): Promise<ConformanceRequest>;
  /**
   * Adds `Signature-Input`, `Signature` and (with a body) `Content-Digest` to `request`, signed
   * over exactly what `send` puts on the wire: `@target-uri` is {@link targetUri} of its path,
   * the digest is over its body bytes. Covers `@method`, `@target-uri`, `authorization`, `dpop`
   * when present and `content-digest` with a body, `created` = the suite clock, tag
   * `fapi-2-request`, unless `overrides` say otherwise.
   */
  sign(request: ConformanceRequest, overrides?: SignatureOverrides): ConformanceRequest;
  /** A valid DPoP request (`GET /signed/accounts` unless told otherwise), signed. */
  signedRequest(options?: SignedRequestOptions): Promise<ConformanceRequest>;
  /**
   * Verifies `response` as a FAPI client does (`verifyResponse` of @fapi-guard/http-signatures):
   * signed by the apps' response key, at the suite clock, bound to `request` as sent (its
   * `@method`, `@target-uri` and, when signed, its `signature;req`). Rejects naming the rule.
   */
  verifyResponse(
    response: ConformanceResponse,
    request: ConformanceRequest,
  ): Promise<VerifiedResponse>;
  /** Sends a request to the app under test (set-up steps of multi-request cases). */
  send(request: ConformanceRequest): Promise<ConformanceResponse>;
  /** Moves the suite clock (reset to `now` before every case). */
  setNow(seconds: number): void;
}
