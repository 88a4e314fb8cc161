/**
 * fapi-guard's options for this API, from the configuration: the trusted AS and its keys, found
 * through its metadata (discovery) or at `AS_JWKS_URI`, over the transport that trusts its CA;
 * opaque tokens by introspection when configured; the public URL (DPoP `htu` base), nonces and
 * the replay store, the audit hook, and CORS for pages served from the API's own public origin
 * and from the AS origin (the browser playground): they can read `WWW-Authenticate`,
 * `DPoP-Nonce` and `x-fapi-interaction-id`. HTTP message signatures: request signatures
 * verified with the requesting client's registered keys, responses signed with the API's key.
 */
import { CORS_DEFAULTS, type DpopOptions, type IntrospectionOptions } from '@fapi-guard/core';
import { httpSignatures } from '@fapi-guard/http-signatures';
import type { FapiGuardModuleOptions } from '@fapi-guard/nestjs';
import type { ResolvedAppConfig } from '../config/app-config.js';
import type { AuditLog } from '../shared/audit-log.service.js';
import type { AuthServerFetch } from '../shared/auth-server-fetch.js';
import type { DpopReplayStore } from '../shared/dpop-replay-store.provider.js';
import {
  PLAYGROUND_CLIENT_PREFIX,
  clientKeyResolver,
  playgroundKeyResolver,
} from './client-signing-keys.js';
import { AUTHORIZATION_DETAILS_TYPES } from './consent.js';

/**
 * Proof algorithms accepted: the ones the sandbox AS accepts for DPoP (its
 * `dpop_signing_alg_values_supported`), so the API's metadata and `algs` challenge agree with it.
 */
export const DPOP_ALGORITHMS = ['PS256', 'ES256'] as const;

/** Scopes this API knows (listed in the RFC 9728 metadata). */
export const API_SCOPES = ['accounts', 'payments'] as const;

/**
 * DPoP options: nonces (HMAC with the shared `DPOP_NONCE_SECRET`, so every instance accepts
 * every other's nonces, or a random per-process secret) and the replay store (Redis, or
 * fapi-guard's in-memory default when `store` is undefined).
 */
function dpopOptions(config: ResolvedAppConfig, replay: DpopReplayStore): DpopOptions {
  const nonce = config.dpopNonceSecret ? { secret: config.dpopNonceSecret } : true;
  return {
    algorithms: DPOP_ALGORITHMS,
    ...(config.dpopNonce ? { nonce } : {}),
    ...(replay.store ? { replayStore: replay.store } : {}),
  };
}

/**
 * Opaque access tokens: RFC 7662 introspection as `INTROSPECTION_CLIENT_ID` (private_key_jwt,
 * assertion audience the issuer), over the transport that trusts the AS CA; JWTs keep working.
 */
function introspectionOptions(
  config: ResolvedAppConfig,
  authServer: AuthServerFetch,
): IntrospectionOptions | undefined {
  const { introspection } = config;
  if (!introspection) return undefined;
  return {
    ...(introspection.endpoint ? { endpoint: introspection.endpoint } : {}),
    clientId: introspection.clientId,
    auth: { method: 'private_key_jwt', key: introspection.key, alg: introspection.alg },
    jwtResponse: introspection.jwtResponse,
    cache: introspection.cacheSeconds === 0 ? false : { maxTtlSeconds: introspection.cacheSeconds },
    fetch: authServer.fetch,
  };
}

/**
 * A client's request-signing key: from the registered client metadata, or (with
 * `PLAYGROUND_CLIENT_KEYS=1`) from the JWKS the dev AS hosts for its playground clients.
 */
function resolveClientKey(config: ResolvedAppConfig, authServer: AuthServerFetch) {
  const registered = clientKeyResolver(config.signatures.clients);
  const playground = config.signatures.playgroundClients
    ? playgroundKeyResolver(config.issuer, authServer.fetch)
    : undefined;
  return (clientId: string, keyId: string) =>
    playground && clientId.startsWith(PLAYGROUND_CLIENT_PREFIX)
      ? playground(clientId, keyId)
      : registered(clientId, keyId);
}

/** The headers of a signed request and of a signed answer, which a browser page sends and reads. */
const SIGNATURE_HEADERS = ['Content-Digest', 'Signature-Input', 'Signature'];
/** Request headers a browser page may send (CORS): core's defaults and the signature's. */
const CORS_ALLOW_HEADERS = [...CORS_DEFAULTS.allowHeaders, ...SIGNATURE_HEADERS];
/** Response headers a page may read: core's defaults and the response signature's. */
const CORS_EXPOSE_HEADERS = [...CORS_DEFAULTS.exposeHeaders, ...SIGNATURE_HEADERS];

/** fapi-guard's options for this API, from the configuration. */
export function resourceServerOptions(
  config: ResolvedAppConfig,
  audit: AuditLog,
  authServer: AuthServerFetch,
  replay: DpopReplayStore,
): FapiGuardModuleOptions {
  const introspection = introspectionOptions(config, authServer);
  return {
    issuer: config.issuer,
    audience: config.audience,
    // Only the issuer: keys and introspection endpoint from its metadata, unless AS_JWKS_URI.
    ...(config.jwksUri ? { jwksUri: config.jwksUri } : { discovery: true }),
    jwksOptions: { fetch: authServer.fetch },
    ...(introspection ? { introspection } : {}),
    publicUrl: config.publicUrl,
    resourceMetadataUrl: `${config.publicUrl}/.well-known/oauth-protected-resource`,
    scopesSupported: API_SCOPES,
    authorizationDetailsTypesSupported: AUTHORIZATION_DETAILS_TYPES,
    dpop: dpopOptions(config, replay),
    // Signed requests (routes marked @SignedRequest()) and signed responses (@SignedResponse()).
    // A signature's `nonce` is remembered in the DPoP replay store (Redis when configured).
    httpSignatures: httpSignatures({
      resolveClientKey: resolveClientKey(config, authServer),
      responseSigning: config.signatures.responseSigning,
      ...(replay.store ? { replayStore: replay.store } : {}),
    }),
    onDecision: (event) => audit.authorization(event),
    // The API's own origin, and the AS's, where the sandbox's browser playground is served.
    cors: {
      origins: [new URL(config.publicUrl).origin, new URL(config.issuer).origin],
      allowHeaders: CORS_ALLOW_HEADERS,
      exposeHeaders: CORS_EXPOSE_HEADERS,
    },
  };
}
