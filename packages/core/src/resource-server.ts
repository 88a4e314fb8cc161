import type { AccessTokenClaims } from './access-token/claims.js';
import { grantedScopes } from './access-token/claims.js';
import { verifyJwtAccessToken, type JwtAccessTokenPolicy } from './access-token/jwt.js';
import { createIntrospector } from './access-token/introspection.js';
import { renderChallenge, type ChallengePolicy } from './challenge.js';
import type { DecisionEvent } from './decision.js';
import { normalizeHtu } from './dpop/htu.js';
import { verifyDpopProof, type CheckedHeader, type DpopPolicy } from './dpop/proof.js';
import { FapiError, isFapiError, type AuthScheme } from './errors.js';
import { extractCredentials, type Credentials } from './extract.js';
import { normalizeHeaders, type HeaderBag, type HeaderInput } from './headers.js';
import { interactionIdOf } from './interaction-id.js';
import { BoundedCache } from './lib/bounded-cache.js';
import { randomId, sha256Base64url } from './lib/crypto.js';
import {
  clientCertificateDer,
  verifyCertificateBinding,
  type CertificateInput,
} from './mtls/certificate.js';
import { resolveOptions, type ResolvedOptions, type ResourceServerOptions } from './options.js';
import { buildMetadata, type ProtectedResourceMetadata, type MetadataExtras } from './metadata.js';
import {
  assertRequirements,
  checkBinding,
  checkScopes,
  type Requirements,
} from './requirements.js';

/** A request as any framework can describe it. */
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
}

/** How the access token is sender-constrained. */
export type Binding =
  { kind: 'dpop'; jkt: string } | { kind: 'mtls'; x5tS256: string } | { kind: 'bearer' };

/** Who is calling, once every check passed. */
export interface Principal {
  subject: string;
  clientId: string;
  issuer: string;
  scopes: string[];
  claims: AccessTokenClaims;
  binding: Binding;
  /** The `x-fapi-interaction-id` in force (the client's UUID, or a new one). */
  interactionId: string;
  /**
   * Headers for the successful response: `Cache-Control: no-store`, `x-fapi-interaction-id`,
   * and a fresh `DPoP-Nonce` when the client's nonce is about to expire.
   */
  responseHeaders: Record<string, string>;
}

/**
 * One request's authorization, the pipeline every adapter uses: the token and its binding are
 * verified at most once per request (a DPoP proof presented twice would be refused as a
 * replay), then each further requirement is checked against that principal.
 */
export interface RequestAuthorization {
  /** Verifies the request on the first call; later calls share that result. */
  principal(): Promise<Principal>;
  /**
   * The principal once `requirements` hold for it: verifies first if nothing did yet, then
   * checks (see {@link ResourceServer.authorize}). Rejects with a FapiError only.
   */
  require(requirements: Requirements): Promise<Principal>;
}

/** The verifier every adapter wraps. */
export interface ResourceServer {
  /**
   * Decides whether `request` may reach a resource with `requirements`. Resolves with the
   * principal, or rejects with a {@link FapiError} whose `status`, `headers` and `body()` are
   * ready for the wire. Never rejects with anything else.
   */
  verify(request: RequestLike, requirements?: Requirements): Promise<Principal>;
  /**
   * Checks further route requirements against a principal `verify` already returned (for
   * middleware that declares requirements in several places), without verifying the token or
   * the proof again. Throws a {@link FapiError} ready for the wire, challenging in the
   * principal's scheme.
   */
  authorize(principal: Principal, requirements: Requirements): void;
  /**
   * The {@link RequestAuthorization} of one request, created on first use for `key` (the
   * framework's request object) and shared by every later caller with the same key: a global
   * guard and a route's own guard verify once between them. `describe` maps the request to a
   * {@link RequestLike}; it runs at most once, when verification starts.
   */
  forRequest(key: object, describe: () => RequestLike): RequestAuthorization;
  /** RFC 9728 protected resource metadata for this configuration. */
  metadata(extras?: MetadataExtras): ProtectedResourceMetadata;
  /** Releases timers and the default replay store. */
  close(): Promise<void>;
}

interface VerifiedToken {
  claims: AccessTokenClaims;
  issuer: string;
  generation: number;
}

/** A verified token as cached: keyed by the token itself, with its `ath` kept for proofs. */
interface CachedToken extends VerifiedToken {
  ath: string;
}

/**
 * Creates the verifier. Options are validated here, once: misuse throws a TypeError naming the
 * option.
 *
 * @example
 * const rs = createResourceServer({
 *   issuer: 'https://as.bank.example',
 *   audience: 'https://api.bank.example',
 *   jwksUri: 'https://as.bank.example/jwks',
 * });
 * const principal = await rs.verify(
 *   { method: 'GET', url: 'https://api.bank.example/accounts', headers: req.headersDistinct },
 *   { scopes: ['accounts'] },
 * );
 */
export function createResourceServer(options: ResourceServerOptions): ResourceServer {
  const config = resolveOptions(options);
  const tokenCache = config.tokenCache && new BoundedCache<CachedToken>(config.tokenCache.max);
  const jwtPolicy: JwtAccessTokenPolicy = {
    issuers: config.issuers,
    audiences: config.audiences,
    algorithms: config.algorithms,
    clockToleranceS: config.clockToleranceS,
    maxFutureS: 60,
    maxTokenLength: config.maxTokenLength,
  };
  const dpopPolicy: DpopPolicy | undefined = config.dpop && {
    algorithms: new Set(config.dpop.algorithms),
    maxAgeS: config.dpop.maxAgeS,
    clockToleranceS: config.dpop.clockToleranceS,
    maxJtiLength: config.dpop.maxJtiLength,
    maxProofLength: 8192,
    replayStore: config.dpop.replayStore,
    nonces: config.dpop.nonces,
    headerCache: new BoundedCache<CheckedHeader>(10_000),
  };
  const introspector =
    config.introspection &&
    createIntrospector(config.introspection, {
      issuer: config.introspection.issuer,
      keys: config.issuers.get(config.introspection.issuer),
      audiences: config.audiences,
      algorithms: config.algorithms,
      clockToleranceS: config.clockToleranceS,
      clock: config.clock,
    });
  const challengePolicy: ChallengePolicy = {
    schemes: config.schemes,
    dpopAlgorithms: config.dpop?.algorithms ?? [],
    realm: config.realm,
    resourceMetadata: config.resourceMetadataUrl,
  };

  /** The verified token from the cache (no await on the hot path), or undefined. */
  function cachedToken(token: string, nowMs: number): CachedToken | undefined {
    const cached = tokenCache?.get(token, nowMs);
    return cached && cached.generation === config.issuers.get(cached.issuer)?.generation
      ? cached
      : undefined;
  }

  async function verifyToken(token: string, ath: string, nowMs: number): Promise<VerifiedToken> {
    const verified = await verifyJwtAccessToken(token, jwtPolicy, nowMs / 1000);
    if (tokenCache) {
      const expiresAt = Math.min(
        (verified.claims.exp + config.clockToleranceS) * 1000,
        nowMs + (config.tokenCache as { maxTtlS: number }).maxTtlS * 1000,
      );
      tokenCache.set(token, { ...verified, ath }, expiresAt, nowMs);
    }
    return verified;
  }

  /** Token, binding, proof or certificate, then scopes: the whole decision for one request. */
  async function decide(
    request: RequestLike,
    headers: HeaderBag,
    credentials: Credentials,
    requirements: Requirements,
    nowMs: number,
    responseHeaders: Record<string, string>,
  ): Promise<Omit<Principal, 'interactionId' | 'responseHeaders'>> {
    const { token } = credentials;
    const cached = cachedToken(token, nowMs);
    const ath = cached?.ath ?? sha256Base64url(token);
    const { claims, issuer } =
      cached ??
      (introspector && !looksLikeJwt(token)
        ? await introspector.introspect(token, ath)
        : await verifyToken(token, ath, nowMs));
    const kind = bindingKind(claims.cnf, credentials.scheme, config);
    // The route's binding first: a token bound the wrong way costs no proof verification.
    checkBinding(kind, requirements);
    let binding: Binding;
    if (kind === 'dpop') {
      const proof = await verifyDpopProof(
        headers,
        {
          method: request.method,
          htu: requestHtu(request.url, config.publicUrl),
          ath,
          jkt: claims.cnf?.jkt as string,
        },
        dpopPolicy as DpopPolicy,
        nowMs,
      );
      if (proof.nonce === 'valid') {
        responseHeaders['dpop-nonce'] = (dpopPolicy as DpopPolicy).nonces!.current(nowMs);
      }
      binding = { kind, jkt: proof.jkt };
    } else if (kind === 'mtls') {
      const der = clientCertificateDer(
        request.clientCertificate,
        headers,
        request.peerAddress,
        config.mtls?.header,
      );
      binding = { kind, x5tS256: verifyCertificateBinding(claims.cnf?.['x5t#S256'], der) };
    } else {
      binding = { kind };
    }
    // Scopes only once possession is proven (docs/requirements.md, "Order of checks").
    const scopes = grantedScopes(claims);
    checkScopes(scopes, requirements);
    return { subject: claims.sub, clientId: claims.client_id, issuer, scopes, claims, binding };
  }

  function reject(error: FapiError, interactionId: string, nowMs: number): FapiError {
    const headers: Record<string, string> = {
      'cache-control': 'no-store',
      'x-fapi-interaction-id': interactionId,
    };
    const challenge = renderChallenge(error, challengePolicy);
    if (challenge) headers['www-authenticate'] = challenge;
    const nonces = dpopPolicy?.nonces;
    if (nonces && (error.error === 'use_dpop_nonce' || error.error === 'invalid_dpop_proof')) {
      headers['dpop-nonce'] = nonces.current(nowMs);
    }
    error.headers = headers;
    error.interactionId = interactionId;
    return error;
  }

  function emit(
    request: RequestLike | undefined,
    interactionId: string,
    event: Omit<DecisionEvent, 'method' | 'path' | 'interactionId'>,
  ): void {
    if (!config.onDecision) return;
    const where = request && { method: request.method, path: pathOf(String(request.url)) };
    try {
      config.onDecision({ ...where, interactionId, ...event });
    } catch {
      // An audit hook must not change the decision.
    }
  }

  const authorizations = new WeakMap<object, RequestAuthorization>();
  const server: ResourceServer = {
    async verify(request, requirements = {}) {
      const started = config.clock();
      let interactionId: string | undefined;
      let scheme: AuthScheme | undefined;
      try {
        checkRequirementsShape(requirements);
        const headers = normalizeHeaders(request.headers);
        interactionId = interactionIdOf(headers);
        const credentials = extractCredentials(headers, String(request.url), request.body);
        scheme = credentials.scheme;
        const responseHeaders: Record<string, string> = {
          'cache-control': 'no-store',
          'x-fapi-interaction-id': interactionId,
        };
        const principal: Principal = {
          ...(await decide(request, headers, credentials, requirements, started, responseHeaders)),
          interactionId,
          responseHeaders,
        };
        emit(request, interactionId, {
          outcome: 'allow',
          status: 200,
          clientId: principal.clientId,
          subject: principal.subject,
          issuer: principal.issuer,
          binding: principal.binding.kind,
          latencyMs: config.clock() - started,
        });
        return principal;
      } catch (caught) {
        const error = isFapiError(caught)
          ? caught
          : new FapiError('ERR_FAPI_UNEXPECTED', { cause: caught });
        if (!error.scheme && scheme && error.code !== 'ERR_FAPI_MULTIPLE_METHODS') {
          error.scheme = scheme;
        }
        interactionId ??= randomId();
        reject(error, interactionId, started);
        emit(request, interactionId, {
          outcome: 'deny',
          status: error.status,
          code: error.code,
          ...(error.error ? { error: error.error } : {}),
          latencyMs: config.clock() - started,
        });
        throw error;
      }
    },
    authorize(principal, requirements) {
      try {
        checkRequirementsShape(requirements);
        checkBinding(principal.binding.kind, requirements);
        checkScopes(principal.scopes, requirements);
      } catch (caught) {
        const error = caught as FapiError;
        if (error.status < 500)
          error.scheme = principal.binding.kind === 'dpop' ? 'DPoP' : 'Bearer';
        reject(error, principal.interactionId, config.clock());
        emit(undefined, principal.interactionId, {
          outcome: 'deny',
          status: error.status,
          code: error.code,
          ...(error.error ? { error: error.error } : {}),
          clientId: principal.clientId,
          subject: principal.subject,
          issuer: principal.issuer,
          binding: principal.binding.kind,
          latencyMs: 0,
        });
        throw error;
      }
    },
    forRequest(key, describe) {
      const existing = authorizations.get(key);
      if (existing) return existing;
      let verified: Promise<Principal> | undefined;
      const authorization: RequestAuthorization = {
        principal() {
          if (!verified) {
            let request: RequestLike;
            try {
              request = describe();
            } catch (cause) {
              return Promise.reject(misconfigured(cause));
            }
            verified = server.verify(request);
          }
          return verified;
        },
        async require(requirements) {
          const principal = await authorization.principal();
          server.authorize(principal, requirements);
          return principal;
        },
      };
      authorizations.set(key, authorization);
      return authorization;
    },
    metadata(extras) {
      return buildMetadata(config, extras);
    },
    async close() {
      tokenCache?.clear();
      if (config.dpop?.ownsReplayStore) await config.dpop.replayStore.close?.();
    },
  };
  return server;
}

/** A set-up mistake found at request time: 500 for the client, the TypeError kept for logs. */
function misconfigured(cause: unknown): FapiError {
  return new FapiError('ERR_FAPI_MISCONFIGURED', { cause });
}

/** Requirements of an unknown key or shape never pass: a misconfiguration, not a skipped check. */
function checkRequirementsShape(requirements: Requirements): void {
  try {
    assertRequirements('requirements', requirements);
  } catch (cause) {
    throw misconfigured(cause);
  }
}

/**
 * Which proof the token's `cnf` demands (RS-GEN-05, RS-DPOP-15, RFC 8705 §3), refusing scheme
 * downgrades and tokens bound in two ways or in an unknown way.
 */
function bindingKind(
  cnf: Record<string, unknown> | undefined,
  scheme: AuthScheme,
  config: ResolvedOptions,
): Binding['kind'] {
  const members = cnf ? Object.keys(cnf) : [];
  const hasJkt = cnf !== undefined && 'jkt' in cnf;
  const hasX5t = cnf !== undefined && 'x5t#S256' in cnf;
  if (hasJkt && hasX5t) throw new FapiError('ERR_FAPI_TOKEN_BINDING_UNSUPPORTED');
  if (hasJkt) {
    if (typeof cnf.jkt !== 'string' || !config.dpop) {
      throw new FapiError('ERR_FAPI_TOKEN_BINDING_UNSUPPORTED');
    }
    if (scheme !== 'DPoP') throw new FapiError('ERR_FAPI_DPOP_DOWNGRADE', { scheme: 'Bearer' });
    return 'dpop';
  }
  if (scheme === 'DPoP') throw new FapiError('ERR_FAPI_DPOP_NOT_BOUND', { scheme: 'DPoP' });
  if (hasX5t) {
    if (!config.mtls) throw new FapiError('ERR_FAPI_TOKEN_BINDING_UNSUPPORTED');
    return 'mtls';
  }
  if (members.length > 0) throw new FapiError('ERR_FAPI_TOKEN_BINDING_UNSUPPORTED');
  if (config.senderConstraint === 'required') {
    throw new FapiError('ERR_FAPI_TOKEN_NOT_SENDER_CONSTRAINED');
  }
  return 'bearer';
}

/** The normalized URI the DPoP `htu` must match, from the public URL when one is configured. */
function requestHtu(url: string | URL, publicUrl: URL | undefined): string {
  const raw = String(url);
  let htu: string | undefined;
  if (publicUrl) {
    const path = raw.startsWith('/')
      ? raw
      : raw.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '');
    const prefix = publicUrl.pathname.replace(/\/$/, '');
    htu = normalizeHtu(`${publicUrl.origin}${prefix}${path.startsWith('/') ? path : `/${path}`}`);
  } else {
    htu = normalizeHtu(raw);
  }
  if (!htu) {
    throw misconfigured(
      new TypeError('request.url must be an absolute http(s) URL (or set the publicUrl option)'),
    );
  }
  return htu;
}

function pathOf(url: string): string {
  const withoutOrigin = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '');
  return withoutOrigin.split(/[?#]/, 1)[0] || '/';
}

/** Three dot-separated parts: JWT validation; anything else is an opaque token. */
function looksLikeJwt(token: string): boolean {
  return token.split('.').length === 3;
}
