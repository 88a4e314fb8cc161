/**
 * `createResourceServer` options: the top level, validated once at creation. Each feature
 * resolves its own options next to the code that uses them (`dpop/options.ts`,
 * `mtls/options.ts`, `access-token/issuers.ts`, `access-token/keys.ts`,
 * `access-token/options.ts`, `access-token/token-cache.ts`); unknown keys are refused at every
 * level.
 */
import type { JSONWebKeySet } from 'jose';
import { resolveIssuers, type IssuerOptions } from './access-token/issuers.js';
import {
  resolveRemoteJwksOptions,
  type KeyResolver,
  type RemoteJwksOptions,
} from './access-token/keys.js';
import {
  resolveIntrospectionOptions,
  type IntrospectionOptions,
  type IntrospectionSettings,
} from './access-token/options.js';
import {
  resolveTokenCacheOptions,
  type TokenCacheOptions,
  type TokenCacheSettings,
} from './access-token/token-cache.js';
import { FAPI_ALGORITHMS, type FapiAlgorithm } from './algorithms.js';
import type { DecisionEvent } from './decision.js';
import { resolveDpopOptions, type DpopOptions, type DpopSettings } from './dpop/options.js';
import type { AuthScheme } from './errors.js';
import {
  assertAlgorithms,
  assertFunction,
  assertInteger,
  assertKnownKeys,
  assertSeconds,
  failOption,
} from './lib/option-checks.js';
import { assertHttpSignatures, type RequestSignatureVerifier } from './signatures.js';
import { resolveMtlsOptions, type MtlsOptions, type MtlsSettings } from './mtls/options.js';

/**
 * What `createResourceServer` takes. Only `issuer`, `audience` and a key source are required;
 * every default is the FAPI 2.0 choice.
 *
 * @example
 * const options: ResourceServerOptions = {
 *   issuer: 'https://as.bank.example',
 *   audience: 'https://api.bank.example',
 *   jwksUri: 'https://as.bank.example/jwks',
 *   dpop: { nonce: { secret: process.env.DPOP_NONCE_SECRET! } },
 * };
 */
export interface ResourceServerOptions {
  /** Trusted issuer(s). Strings use the top-level `jwks`/`jwksUri`. */
  issuer: string | IssuerOptions | ReadonlyArray<string | IssuerOptions>;
  /** This resource server's identifier(s): a token's `aud` must contain one. */
  audience: string | readonly string[];
  jwks?: JSONWebKeySet;
  /** HTTPS only (plain HTTP is accepted for loopback addresses, for development). */
  jwksUri?: string | URL;
  /**
   * String issuers find their keys (and the introspection endpoint) in their RFC 8414 / OpenID
   * Connect metadata instead of `jwks`/`jwksUri`. Default false.
   */
  discovery?: boolean;
  /**
   * Timeouts and caching of every `jwksUri` and of discovery metadata (the resource server's
   * `clock` is used).
   */
  jwksOptions?: Omit<RemoteJwksOptions, 'clock'>;
  /** Access-token algorithms. Default `['PS256', 'ES256', 'EdDSA']` (FAPI 2.0). */
  algorithms?: readonly FapiAlgorithm[];
  /** `required` (default, FAPI): tokens without `cnf` are refused. `optional` is not FAPI. */
  senderConstraint?: 'required' | 'optional';
  /** DPoP-bound tokens; `false` refuses them. Default on. */
  dpop?: DpopOptions | false;
  /** mTLS-bound tokens; `false` refuses them. Default on, certificate from the TLS socket. */
  mtls?: MtlsOptions | false;
  /** Leeway for the access token's `exp` and `nbf`. Default 5, at most 60. */
  clockToleranceSeconds?: number;
  /**
   * The public origin (and optional path prefix) clients address, e.g. `https://api.bank.example`.
   * When set, the DPoP `htu` is compared against it instead of the URL the adapter saw.
   */
  publicUrl?: string;
  /** `realm` challenge parameter. */
  realm?: string;
  /** RFC 9728 metadata URL, added to challenges as `resource_metadata`. */
  resourceMetadataUrl?: string;
  /** Verified tokens kept to skip re-verifying signatures. Default `{ max: 10000, maxTtlSeconds: 300 }`. */
  tokenCache?: false | TokenCacheOptions;
  /** Longest access token accepted, in characters. Default 16384. */
  maxTokenLength?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
  /** Audit hook, called once per decision; never receives token or key material. */
  onDecision?: (event: DecisionEvent) => void;
  /** Listed in the RFC 9728 metadata. */
  scopesSupported?: readonly string[];
  /**
   * The `authorization_details` types this resource server understands, listed in the RFC 9728
   * metadata as `authorization_details_types_supported`.
   */
  authorizationDetailsTypesSupported?: readonly string[];
  /**
   * Opaque access tokens are introspected (RFC 7662). A token that looks like a JWT (three
   * dot-separated parts) still goes to JWT validation, so both kinds can be accepted.
   */
  introspection?: IntrospectionOptions;
  /**
   * Record decisions, latencies and a span per verification through `@opentelemetry/api`
   * (a no-op unless the application registers an OpenTelemetry SDK before creating the
   * resource server). Default true.
   */
  telemetry?: boolean;
  /**
   * The verifier of signed requests, `httpSignatures({ resolveClientKey })` from
   * `@fapi-guard/http-signatures`, used by routes with a `signedRequest` requirement.
   */
  httpSignatures?: RequestSignatureVerifier;
}

/** Options after validation, with every default applied. */
export interface ResolvedOptions {
  issuers: ReadonlyMap<string, KeyResolver>;
  audiences: readonly string[];
  algorithms: ReadonlySet<string>;
  senderConstraint: 'required' | 'optional';
  dpop: DpopSettings | undefined;
  mtls: MtlsSettings | undefined;
  clockToleranceS: number;
  publicUrl: URL | undefined;
  realm: string | undefined;
  resourceMetadataUrl: string | undefined;
  tokenCache: TokenCacheSettings | undefined;
  maxTokenLength: number;
  clock: () => number;
  onDecision: ((event: DecisionEvent) => void) | undefined;
  scopesSupported: readonly string[] | undefined;
  authorizationDetailsTypesSupported: readonly string[] | undefined;
  /** Challenge schemes offered, DPoP first. */
  schemes: readonly AuthScheme[];
  introspection: IntrospectionSettings | undefined;
  telemetry: boolean;
  httpSignatures: RequestSignatureVerifier | undefined;
}

/** Every key of {@link ResourceServerOptions}: anything else is refused. */
export const OPTION_KEYS: readonly (keyof ResourceServerOptions)[] = [
  'issuer',
  'audience',
  'jwks',
  'jwksUri',
  'jwksOptions',
  'discovery',
  'algorithms',
  'senderConstraint',
  'dpop',
  'mtls',
  'clockToleranceSeconds',
  'publicUrl',
  'realm',
  'resourceMetadataUrl',
  'tokenCache',
  'maxTokenLength',
  'clock',
  'onDecision',
  'scopesSupported',
  'authorizationDetailsTypesSupported',
  'introspection',
  'telemetry',
  'httpSignatures',
];

export const DEFAULT_CLOCK_TOLERANCE_S = 5;
export const DEFAULT_MAX_TOKEN_LENGTH = 16_384;

/** Validates options once, at creation, with messages naming the option. */
export function resolveOptions(options: ResourceServerOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) failOption('options', 'must be an object');
  assertKnownKeys('options', options, OPTION_KEYS);
  const clock = assertFunction('clock', options.clock) ?? Date.now;
  const audiences = assertAudiences(options.audience);
  const algorithms = assertAlgorithms('algorithms', options.algorithms, FAPI_ALGORITHMS);
  const senderConstraint = options.senderConstraint ?? 'required';
  if (senderConstraint !== 'required' && senderConstraint !== 'optional') {
    failOption('senderConstraint', "must be 'required' or 'optional'");
  }
  const dpop = resolveDpopOptions(options.dpop, algorithms, clock);
  const mtls = resolveMtlsOptions(options.mtls);
  if (!dpop && !mtls && senderConstraint === 'required') {
    failOption(
      'dpop',
      'with mtls also false and senderConstraint required, no token could ever pass',
    );
  }
  const remote = { ...resolveRemoteJwksOptions('jwksOptions', options.jwksOptions, false), clock };
  const keysOptional = options.introspection !== undefined && !options.introspection.jwtResponse;
  const issuers = resolveIssuers(options.issuer, options, remote, keysOptional);
  const schemes: AuthScheme[] = [];
  if (dpop) schemes.push('DPoP');
  if (mtls || senderConstraint === 'optional') schemes.push('Bearer');
  return {
    issuers,
    introspection: resolveIntrospectionOptions(options.introspection, issuers),
    audiences,
    algorithms: new Set(algorithms),
    senderConstraint,
    dpop,
    mtls,
    clockToleranceS: assertSeconds(
      'clockToleranceSeconds',
      options.clockToleranceSeconds,
      DEFAULT_CLOCK_TOLERANCE_S,
      60,
    ),
    publicUrl: assertPublicUrl(options.publicUrl),
    realm: assertOptionalString('realm', options.realm),
    resourceMetadataUrl: assertOptionalString('resourceMetadataUrl', options.resourceMetadataUrl),
    tokenCache: resolveTokenCacheOptions(options.tokenCache),
    maxTokenLength: assertInteger(
      'maxTokenLength',
      options.maxTokenLength,
      DEFAULT_MAX_TOKEN_LENGTH,
      256,
    ),
    clock,
    onDecision: assertFunction('onDecision', options.onDecision),
    scopesSupported: options.scopesSupported,
    authorizationDetailsTypesSupported: assertTypeList(
      'authorizationDetailsTypesSupported',
      options.authorizationDetailsTypesSupported,
    ),
    schemes,
    telemetry: assertBoolean('telemetry', options.telemetry, true),
    httpSignatures: assertHttpSignatures(options.httpSignatures),
  };
}

function assertAudiences(value: unknown): string[] {
  const audiences: unknown = typeof value === 'string' ? [value] : value;
  if (
    !Array.isArray(audiences) ||
    audiences.length === 0 ||
    audiences.some((a) => !a || typeof a !== 'string')
  ) {
    failOption('audience', 'must be a non-empty string or array of strings');
  }
  return [...(audiences as string[])];
}

function assertPublicUrl(value: unknown): URL | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    failOption('publicUrl', 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    failOption('publicUrl', 'must be http(s)');
  }
  return url;
}

function assertBoolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') failOption(option, 'must be a boolean');
  return value;
}

function assertOptionalString(option: string, value: unknown): string | undefined {
  if (value !== undefined && typeof value !== 'string') failOption(option, 'must be a string');
  return value;
}

function assertTypeList(option: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((type) => typeof type !== 'string' || type === '')) {
    failOption(option, 'must be an array of non-empty strings');
  }
  return [...(value as string[])];
}
