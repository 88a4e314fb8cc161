import type { JSONWebKeySet } from 'jose';
import type { IntrospectionOptions } from './access-token/introspection.js';
import { NO_KEYS, resolveIssuers } from './access-token/issuers.js';
import type { KeyResolver, RemoteJwksOptions } from './access-token/keys.js';
import type { DecisionEvent } from './decision.js';
import { hmacNonces, type NonceSource } from './dpop/nonce.js';
import type { AuthScheme } from './errors.js';
import { randomSecret } from './lib/crypto.js';
import {
  algorithmList,
  fail,
  httpsUrl,
  knownKeys,
  seconds,
  SUPPORTED_ALGORITHMS,
} from './lib/option-checks.js';
import type { CertificateHeaderPolicy } from './mtls/certificate.js';
import { addressMatcher } from './mtls/ip.js';
import { memoryReplayStore, type ReplayStore } from './replay-store.js';

/** JWS algorithms FAPI 2.0 allows (SP 5.4.1). `Ed25519` is the fully-specified EdDSA name. */
export type FapiAlgorithm = 'PS256' | 'ES256' | 'EdDSA' | 'Ed25519';
export const FAPI_ALGORITHMS: readonly FapiAlgorithm[] = ['PS256', 'ES256', 'EdDSA'];

/** A trusted authorization server and where its keys come from. */
export interface IssuerOptions {
  /** The exact `iss` value. */
  issuer: string;
  jwks?: JSONWebKeySet;
  jwksUri?: string | URL;
  /** Any other key source. */
  keys?: KeyResolver;
}

export interface DpopOptions {
  /** Proof algorithms accepted (also the `algs` challenge parameter). Default: `algorithms`. */
  algorithms?: readonly FapiAlgorithm[];
  /** How long after its `iat` a proof is accepted. Default 60, at most 300. */
  maxAgeSeconds?: number;
  /** Clock difference accepted for `iat` in both directions. Default 10, at most 60. */
  clockToleranceSeconds?: number;
  /**
   * Server-provided nonces (RFC 9449 §9). `true` uses a random per-process secret: a cluster
   * must share `{ secret }` instead. Default off.
   */
  nonce?: boolean | { secret: string | Uint8Array; rotateSeconds?: number } | NonceSource;
  /** Where proof identifiers are remembered. Default: a bounded in-memory store. */
  replayStore?: ReplayStore;
  /** Longest `jti` accepted. Default 256. */
  maxJtiLength?: number;
}

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

export interface ResourceServerOptions {
  /** Trusted issuer(s). Strings use the top-level `jwks`/`jwksUri`. */
  issuer: string | IssuerOptions | ReadonlyArray<string | IssuerOptions>;
  /** This resource server's identifier(s): a token's `aud` must contain one. */
  audience: string | readonly string[];
  jwks?: JSONWebKeySet;
  /** HTTPS only (plain HTTP is accepted for loopback addresses, for development). */
  jwksUri?: string | URL;
  /** Timeouts and caching of `jwksUri`. */
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
  /** Verified tokens kept to skip re-verifying signatures. Default `{ max: 10000 }`. */
  tokenCache?: false | { max?: number; maxTtlSeconds?: number };
  /** Longest access token accepted, in characters. Default 16384. */
  maxTokenLength?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
  /** Audit hook, called once per decision; never receives token or key material. */
  onDecision?: (event: DecisionEvent) => void;
  /** Listed in the RFC 9728 metadata. */
  scopesSupported?: readonly string[];
  /**
   * Opaque access tokens are introspected (RFC 7662). A token that looks like a JWT (three
   * dot-separated parts) still goes to JWT validation, so both kinds can be accepted.
   */
  introspection?: IntrospectionOptions;
}

/** Options after validation, with every default applied. */
export interface ResolvedOptions {
  issuers: ReadonlyMap<string, KeyResolver>;
  audiences: readonly string[];
  algorithms: ReadonlySet<string>;
  senderConstraint: 'required' | 'optional';
  dpop:
    | {
        algorithms: readonly string[];
        maxAgeS: number;
        clockToleranceS: number;
        nonces: NonceSource | undefined;
        replayStore: ReplayStore;
        ownsReplayStore: boolean;
        maxJtiLength: number;
      }
    | undefined;
  mtls: { header: CertificateHeaderPolicy | undefined } | undefined;
  clockToleranceS: number;
  publicUrl: URL | undefined;
  realm: string | undefined;
  resourceMetadataUrl: string | undefined;
  tokenCache: { max: number; maxTtlS: number } | undefined;
  maxTokenLength: number;
  clock: () => number;
  onDecision: ((event: DecisionEvent) => void) | undefined;
  scopesSupported: readonly string[] | undefined;
  /** Challenge schemes offered, DPoP first. */
  schemes: readonly AuthScheme[];
  introspection: (IntrospectionOptions & { issuer: string }) | undefined;
}

function nonceSource(value: DpopOptions['nonce']): NonceSource | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return hmacNonces({ secret: randomSecret() });
  if (typeof (value as NonceSource).current === 'function') return value as NonceSource;
  const { secret, rotateSeconds } = value as {
    secret: string | Uint8Array;
    rotateSeconds?: number;
  };
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (!(bytes instanceof Uint8Array) || bytes.length < 32) {
    fail('dpop.nonce.secret', 'must be at least 32 bytes');
  }
  return hmacNonces({
    secret: bytes,
    rotateSeconds: seconds('dpop.nonce.rotateSeconds', rotateSeconds, 300, 3600) || 300,
  });
}

/** Every key of {@link ResourceServerOptions}: anything else is refused. */
export const OPTION_KEYS: readonly (keyof ResourceServerOptions)[] = [
  'issuer',
  'audience',
  'jwks',
  'jwksUri',
  'jwksOptions',
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
  'introspection',
];

/** Checks that every nested option object names only known keys. */
function assertKnownOptionKeys(options: ResourceServerOptions): void {
  knownKeys('options', options, OPTION_KEYS);
  const nested: Array<[string, unknown, readonly string[]]> = [
    [
      'jwksOptions',
      options.jwksOptions,
      [
        'timeoutMs',
        'cooldownMs',
        'maxAgeMs',
        'maxStaleMs',
        'failureBackoffMs',
        'maxBytes',
        'fetch',
      ],
    ],
    [
      'dpop',
      options.dpop,
      [
        'algorithms',
        'maxAgeSeconds',
        'clockToleranceSeconds',
        'nonce',
        'replayStore',
        'maxJtiLength',
      ],
    ],
    ['mtls', options.mtls, ['header']],
    [
      'mtls.header',
      options.mtls ? options.mtls.header : undefined,
      ['name', 'format', 'trustedProxies'],
    ],
    ['tokenCache', options.tokenCache, ['max', 'maxTtlSeconds']],
    [
      'introspection',
      options.introspection,
      [
        'endpoint',
        'clientId',
        'auth',
        'jwtResponse',
        'issuer',
        'timeoutMs',
        'cache',
        'failureBackoffMs',
        'fetch',
      ],
    ],
    ['introspection.auth', options.introspection?.auth, ['method', 'key', 'alg', 'secret']],
    ['introspection.cache', options.introspection?.cache, ['max', 'maxTtlSeconds']],
  ];
  const nonce = options.dpop ? options.dpop.nonce : undefined;
  if (
    typeof nonce === 'object' &&
    nonce !== null &&
    typeof (nonce as NonceSource).current !== 'function'
  ) {
    nested.push(['dpop.nonce', nonce, ['secret', 'rotateSeconds']]);
  }
  for (const entry of Array.isArray(options.issuer) ? options.issuer : [options.issuer]) {
    if (typeof entry === 'object' && entry !== null) {
      nested.push([
        `issuer[${String(entry.issuer)}]`,
        entry,
        ['issuer', 'jwks', 'jwksUri', 'keys'],
      ]);
    }
  }
  for (const [option, value, known] of nested) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      knownKeys(option, value, known);
    }
  }
}

/** Validates options once, at creation, with messages naming the option. */
export function resolveOptions(options: ResourceServerOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  assertKnownOptionKeys(options);
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') fail('clock', 'must be a function returning milliseconds');
  const remote: RemoteJwksOptions = { ...options.jwksOptions, clock };

  const audiences = typeof options.audience === 'string' ? [options.audience] : options.audience;
  if (
    !Array.isArray(audiences) ||
    audiences.length === 0 ||
    audiences.some((a) => !a || typeof a !== 'string')
  ) {
    fail('audience', 'must be a non-empty string or array of strings');
  }
  const algorithms = algorithmList('algorithms', options.algorithms, FAPI_ALGORITHMS);
  const senderConstraint = options.senderConstraint ?? 'required';
  if (senderConstraint !== 'required' && senderConstraint !== 'optional') {
    fail('senderConstraint', "must be 'required' or 'optional'");
  }

  let dpop: ResolvedOptions['dpop'];
  if (options.dpop !== false) {
    const given = options.dpop ?? {};
    const replayStore = given.replayStore ?? memoryReplayStore({ clock });
    if (typeof replayStore.checkAndStore !== 'function') {
      fail('dpop.replayStore', 'must implement checkAndStore(key, ttlSeconds)');
    }
    const maxJtiLength = given.maxJtiLength ?? 256;
    if (!Number.isInteger(maxJtiLength) || maxJtiLength < 16) {
      fail('dpop.maxJtiLength', 'must be an integer of at least 16');
    }
    dpop = {
      algorithms: algorithmList('dpop.algorithms', given.algorithms, algorithms),
      maxAgeS: seconds('dpop.maxAgeSeconds', given.maxAgeSeconds, 60, 300),
      clockToleranceS: seconds('dpop.clockToleranceSeconds', given.clockToleranceSeconds, 10, 60),
      nonces: nonceSource(given.nonce),
      replayStore,
      ownsReplayStore: given.replayStore === undefined,
      maxJtiLength,
    };
  }

  let mtls: ResolvedOptions['mtls'];
  if (options.mtls !== false) {
    const header = options.mtls?.header;
    if (header !== undefined) {
      if (!Array.isArray(header.trustedProxies) || header.trustedProxies.length === 0) {
        fail('mtls.header.trustedProxies', 'must list at least one proxy address or CIDR');
      }
      const format = header.format ?? 'rfc9440';
      if (format !== 'rfc9440' && format !== 'pem')
        fail('mtls.header.format', "must be 'rfc9440' or 'pem'");
    }
    mtls = {
      header: header && {
        name: (header.name ?? 'client-cert').toLowerCase(),
        format: header.format ?? 'rfc9440',
        trusted: addressMatcher(header.trustedProxies),
      },
    };
  }
  if (!dpop && !mtls && senderConstraint === 'required') {
    fail('dpop', 'with mtls also false and senderConstraint required, no token could ever pass');
  }

  let publicUrl: URL | undefined;
  if (options.publicUrl !== undefined) {
    try {
      publicUrl = new URL(options.publicUrl);
    } catch {
      fail('publicUrl', 'must be an absolute URL');
    }
    if (publicUrl.protocol !== 'https:' && publicUrl.protocol !== 'http:')
      fail('publicUrl', 'must be http(s)');
  }

  let tokenCache: ResolvedOptions['tokenCache'];
  if (options.tokenCache !== false) {
    const max = options.tokenCache?.max ?? 10_000;
    if (!Number.isInteger(max) || max < 1) fail('tokenCache.max', 'must be a positive integer');
    tokenCache = {
      max,
      maxTtlS: seconds('tokenCache.maxTtlSeconds', options.tokenCache?.maxTtlSeconds, 300, 86_400),
    };
  }
  const maxTokenLength = options.maxTokenLength ?? 16_384;
  if (!Number.isInteger(maxTokenLength) || maxTokenLength < 256) {
    fail('maxTokenLength', 'must be an integer of at least 256');
  }
  if (options.onDecision !== undefined && typeof options.onDecision !== 'function') {
    fail('onDecision', 'must be a function');
  }

  const schemes: AuthScheme[] = [];
  if (dpop) schemes.push('DPoP');
  if (mtls || senderConstraint === 'optional') schemes.push('Bearer');

  const issuerMap = resolveIssuers(options, remote);
  return {
    issuers: issuerMap,
    introspection: introspectionOptions(options.introspection, issuerMap),
    audiences,
    algorithms: new Set(algorithms),
    senderConstraint,
    dpop,
    mtls,
    clockToleranceS: seconds('clockToleranceSeconds', options.clockToleranceSeconds, 5, 60),
    publicUrl,
    realm: options.realm,
    resourceMetadataUrl: options.resourceMetadataUrl,
    tokenCache,
    maxTokenLength,
    clock,
    onDecision: options.onDecision,
    scopesSupported: options.scopesSupported,
    schemes,
  };
}

function introspectionOptions(
  value: IntrospectionOptions | undefined,
  issuerMap: ReadonlyMap<string, KeyResolver>,
): ResolvedOptions['introspection'] {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) fail('introspection', 'must be an object');
  httpsUrl('introspection.endpoint', value.endpoint);
  if (typeof value.clientId !== 'string' || !value.clientId) {
    fail('introspection.clientId', 'must be a non-empty string');
  }
  const method = value.auth?.method;
  if (method === 'private_key_jwt') {
    const { key, alg } = value.auth as { key: Record<string, unknown>; alg?: string };
    if (typeof key !== 'object' || key === null || typeof key.d !== 'string') {
      fail('introspection.auth.key', 'must be a private JWK');
    }
    if (!SUPPORTED_ALGORITHMS.includes(String(alg ?? key.alg))) {
      fail('introspection.auth.alg', 'must be PS256, ES256 or EdDSA (or set key.alg)');
    }
  } else if (method === 'client_secret_basic') {
    if (!(value.auth as { secret?: unknown }).secret)
      fail('introspection.auth.secret', 'is required');
  } else if (method !== 'tls_client_auth') {
    fail(
      'introspection.auth.method',
      "must be 'private_key_jwt', 'tls_client_auth' or 'client_secret_basic'",
    );
  }
  const issuer = value.issuer ?? (issuerMap.size === 1 ? [...issuerMap.keys()][0] : undefined);
  if (issuer === undefined || !issuerMap.has(issuer)) {
    fail('introspection.issuer', 'must name one of the configured issuers');
  }
  if (value.jwtResponse && issuerMap.get(issuer) === NO_KEYS) {
    fail('introspection.jwtResponse', "needs the issuer's keys (jwks, jwksUri or keys)");
  }
  return { ...value, issuer };
}
