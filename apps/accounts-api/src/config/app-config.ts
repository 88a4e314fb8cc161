/**
 * Configuration of the sample API, read once from environment variables. Every variable has a
 * safe default for local development: HTTPS on 127.0.0.1:3000 with the dev certificate of
 * apps/auth-server, the dev authorization server on https://127.0.0.1:4000, the data in embedded
 * PostgreSQL (PGlite) in memory.
 * A bad value stops the start-up with a message naming the variable.
 */
import type { JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseMinor } from '../common/money.js';
import { signatureConfig, type SignatureConfig } from './signature-config.js';

/** Which sender constraint the payment routes accept. */
export type PaymentsBinding = 'any' | 'dpop' | 'mtls';
/** Where audit lines go. */
export type AuditSink = 'stdout' | 'stderr' | 'off';
export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

export interface AppConfig {
  host: string;
  /** 0 picks a free port (the printed URL shows the real one). */
  port: number;
  /** Origin clients address (the DPoP `htu` base). Default `https://<host>:<port>`. */
  publicUrl: string | undefined;
  /** This API's resource identifier (`aud` of its tokens). Default: the public URL. */
  audience: string | undefined;
  /** Issuer of the trusted authorization server. */
  issuer: string;
  /** The AS key set (`AS_JWKS_URI`). Undefined: found in the AS metadata (discovery). */
  jwksUri: string | undefined;
  /** PEM CA(s) trusted when fetching the AS key set. */
  authServerCa: string;
  tls: { cert: string; key: string };
  paymentsBinding: PaymentsBinding;
  /** Require server-provided DPoP nonces (RFC 9449 §9). */
  dpopNonce: boolean;
  /**
   * Secret of the stateless nonces (`DPOP_NONCE_SECRET`): every instance sharing it accepts the
   * others' nonces. Undefined: a random secret per process (one instance only).
   */
  dpopNonceSecret: string | undefined;
  /** Where the accounts, transactions, consents, payments and idempotency keys live. */
  database: DatabaseConfig;
  /** Shared DPoP replay store. Undefined: bounded in memory, per process. */
  redis: RedisConfig | undefined;
  /** Opaque access tokens by introspection (RFC 7662). Undefined: JWT access tokens only. */
  introspection: IntrospectionConfig | undefined;
  rateLimit: { limit: number; ttlMs: number };
  /** How long a new payment stays `AcceptedSettlementInProcess`. */
  settlementDelayMs: number;
  /**
   * Payments above this amount (minor units, `STRONG_AUTH_THRESHOLD`, default 500.00) need a
   * token whose `acr` is the strong one (RFC 9470 step-up).
   */
  strongAuthThresholdMinor: number;
  audit: AuditSink;
  logLevels: LogLevel[];
  /** `METRICS_PORT`: OpenTelemetry metrics in Prometheus format on this port. Undefined: off. */
  metricsPort: number | undefined;
  /** HTTP message signatures: the response key and the clients' registered keys. */
  signatures: SignatureConfig;
}

/**
 * The SQL database: PostgreSQL (`DATABASE_URL`), shared by every instance, or embedded PGlite in
 * this process (in memory, or in `PGLITE_DATA_DIR`), for one instance.
 */
export type DatabaseConfig =
  | {
      driver: 'postgres';
      /** postgres:// or postgresql:// URL; may hold a password: never log it. */
      url: string;
    }
  | {
      driver: 'pglite';
      /** Undefined: in memory, gone when the process ends. */
      dataDir: string | undefined;
    };

/** The Redis replay store (`REDIS_URL`, `REDIS_KEY_PREFIX`, `REDIS_TIMEOUT_MS`). */
export interface RedisConfig {
  /** redis:// or rediss:// URL; may hold a password: never log it. */
  url: string;
  keyPrefix: string;
  /** Longest wait for Redis per proof; past it the request gets 503. */
  timeoutMs: number;
}

/** Introspection of opaque access tokens at the authorization server. */
export interface IntrospectionConfig {
  /** `AS_INTROSPECTION_URI`. Undefined: the AS metadata's `introspection_endpoint` (discovery). */
  endpoint: string | undefined;
  clientId: string;
  /** Private JWK of the client (private_key_jwt). */
  key: JsonWebKey & { kid?: string; alg?: string };
  alg: IntrospectionAlg;
  /** Ask for signed responses (RFC 9701). */
  jwtResponse: boolean;
  /** Longest time an introspection result is reused; 0 disables the cache. */
  cacheSeconds: number;
}

export type IntrospectionAlg = 'PS256' | 'ES256' | 'EdDSA';

/** apps/auth-server/dev-fixtures/tls, from src/config or dist/config. */
const DEV_TLS_DIR = fileURLToPath(
  new URL('../../../auth-server/dev-fixtures/tls/', import.meta.url),
);

export const DEV_TLS_FILES = {
  ca: `${DEV_TLS_DIR}ca.crt.pem`,
  cert: `${DEV_TLS_DIR}server.crt.pem`,
  key: `${DEV_TLS_DIR}server.key.pem`,
} as const;

/** The seeded introspection client of apps/auth-server and its private key. */
export const DEV_INTROSPECTION_CLIENT = {
  clientId: 'rs-client',
  keyFile: fileURLToPath(
    new URL(
      '../../../auth-server/dev-fixtures/clients/rs-client.private.jwk.json',
      import.meta.url,
    ),
  ),
} as const;

export const DEFAULT_REDIS_KEY_PREFIX = 'fapi:dpop:';
/** Shortest `DPOP_NONCE_SECRET`: core wants at least 32 bytes of secret. */
const MIN_NONCE_SECRET_LENGTH = 32;
const INTROSPECTION_ALGS: readonly IntrospectionAlg[] = ['PS256', 'ES256', 'EdDSA'];

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

function fail(variable: string, message: string): never {
  throw new TypeError(`${variable}: ${message}`);
}

function text(env: NodeJS.ProcessEnv, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(
  env: NodeJS.ProcessEnv,
  variable: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = text(env, variable);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    fail(variable, `must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return number;
}

function amountMinor(env: NodeJS.ProcessEnv, variable: string, fallback: string): number {
  const value = text(env, variable) ?? fallback;
  if (!/^\d{1,13}\.\d{2}$/.test(value)) {
    fail(variable, `must be an amount with two fraction digits (e.g. ${fallback}), got ${value}`);
  }
  return parseMinor(value);
}

function flag(env: NodeJS.ProcessEnv, variable: string): boolean {
  const value = text(env, variable)?.toLowerCase();
  if (value === undefined || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  fail(variable, `must be 1 or 0, got "${value}"`);
}

function oneOf<T extends string>(
  env: NodeJS.ProcessEnv,
  variable: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = text(env, variable);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    fail(variable, `must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

function httpsUrl(variable: string, value: string, { origin = false } = {}): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(variable, `must be an absolute URL, got "${value}"`);
  }
  if (url.protocol !== 'https:') fail(variable, 'must be an https URL');
  if (origin && (url.pathname !== '/' || url.search || url.hash)) {
    fail(variable, 'must be an origin without path, query or fragment (e.g. https://api.example)');
  }
  return origin ? url.origin : value.replace(/\/$/, '');
}

function pem(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    fail(variable, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** A redis:// or rediss:// URL. The value is never echoed: it may carry a password. */
function redisUrl(variable: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(variable, 'must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    fail(variable, 'must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)');
  }
  return value;
}

/** A postgres:// or postgresql:// URL. The value is never echoed: it may carry a password. */
function postgresUrl(variable: string, value: string): string {
  const hint =
    'must be a postgres:// or postgresql:// URL (e.g. postgres://app@127.0.0.1:5432/bank)';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(variable, hint);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') fail(variable, hint);
  if (!url.hostname) fail(variable, `${hint}, with a host`);
  return value;
}

function databaseConfig(env: NodeJS.ProcessEnv): DatabaseConfig {
  const url = text(env, 'DATABASE_URL');
  const dataDir = text(env, 'PGLITE_DATA_DIR');
  if (url === undefined) return { driver: 'pglite', dataDir };
  if (dataDir !== undefined) {
    fail('PGLITE_DATA_DIR', 'has no effect with DATABASE_URL (the data is in PostgreSQL)');
  }
  return { driver: 'postgres', url: postgresUrl('DATABASE_URL', url) };
}

/** Settings that only mean something with another one on: refuse them alone. */
function requires(env: NodeJS.ProcessEnv, variable: string, needed: string, on: boolean): void {
  if (!on && text(env, variable) !== undefined) fail(variable, `has no effect without ${needed}`);
}

function redisConfig(env: NodeJS.ProcessEnv): RedisConfig | undefined {
  const url = text(env, 'REDIS_URL');
  requires(env, 'REDIS_KEY_PREFIX', 'REDIS_URL', url !== undefined);
  requires(env, 'REDIS_TIMEOUT_MS', 'REDIS_URL', url !== undefined);
  if (url === undefined) return undefined;
  const keyPrefix = text(env, 'REDIS_KEY_PREFIX') ?? DEFAULT_REDIS_KEY_PREFIX;
  if (!/^[\x21-\x7e]{1,100}$/.test(keyPrefix)) {
    fail('REDIS_KEY_PREFIX', 'must be 1 to 100 visible ASCII characters');
  }
  return {
    url: redisUrl('REDIS_URL', url),
    keyPrefix,
    timeoutMs: integer(env, 'REDIS_TIMEOUT_MS', 200, 1, 10_000),
  };
}

function dpopNonceSecret(env: NodeJS.ProcessEnv, dpopNonce: boolean): string | undefined {
  requires(env, 'DPOP_NONCE_SECRET', 'DPOP_NONCE=1', dpopNonce);
  const secret = text(env, 'DPOP_NONCE_SECRET');
  if (secret !== undefined && secret.length < MIN_NONCE_SECRET_LENGTH) {
    fail('DPOP_NONCE_SECRET', `must be at least ${MIN_NONCE_SECRET_LENGTH} characters`);
  }
  return secret;
}

function privateJwk(variable: string, path: string): IntrospectionConfig['key'] {
  let key: unknown;
  try {
    key = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(variable, `cannot read a JSON Web Key from ${path} (${code ?? 'not JSON'})`);
  }
  if (typeof key !== 'object' || key === null || typeof (key as JsonWebKey).d !== 'string') {
    fail(variable, `${path} is not a private JWK`);
  }
  return key as IntrospectionConfig['key'];
}

function introspectionConfig(env: NodeJS.ProcessEnv): IntrospectionConfig | undefined {
  const on = flag(env, 'INTROSPECTION');
  for (const variable of [
    'AS_INTROSPECTION_URI',
    'INTROSPECTION_CLIENT_ID',
    'INTROSPECTION_KEY_FILE',
    'INTROSPECTION_JWT',
    'INTROSPECTION_CACHE_SECONDS',
  ]) {
    requires(env, variable, 'INTROSPECTION=1', on);
  }
  if (!on) return undefined;
  const key = privateJwk(
    'INTROSPECTION_KEY_FILE',
    text(env, 'INTROSPECTION_KEY_FILE') ?? DEV_INTROSPECTION_CLIENT.keyFile,
  );
  // An RSA key without `alg` signs PS256 (FAPI 2.0); otherwise the key names its algorithm.
  const alg = key.alg ?? (key.kty === 'RSA' ? 'PS256' : undefined);
  if (!(INTROSPECTION_ALGS as readonly (string | undefined)[]).includes(alg)) {
    fail('INTROSPECTION_KEY_FILE', `the key's alg must be one of ${INTROSPECTION_ALGS.join(', ')}`);
  }
  const endpoint = text(env, 'AS_INTROSPECTION_URI');
  return {
    endpoint: endpoint && httpsUrl('AS_INTROSPECTION_URI', endpoint),
    clientId: text(env, 'INTROSPECTION_CLIENT_ID') ?? DEV_INTROSPECTION_CLIENT.clientId,
    key,
    alg: alg as IntrospectionAlg,
    jwtResponse: flag(env, 'INTROSPECTION_JWT'),
    cacheSeconds: integer(env, 'INTROSPECTION_CACHE_SECONDS', 60, 0, 3600),
  };
}

/**
 * Reads the configuration from `env` (default `process.env`). Throws a TypeError naming the
 * variable when a value is invalid or a file cannot be read.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const issuer = httpsUrl('AS_ISSUER', text(env, 'AS_ISSUER') ?? 'https://127.0.0.1:4000');
  const publicUrl = text(env, 'PUBLIC_URL');
  const audience = text(env, 'AUDIENCE');
  const logLevel = oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'warn');
  const dpopNonce = flag(env, 'DPOP_NONCE');
  return {
    host: text(env, 'HOST') ?? '127.0.0.1',
    port: integer(env, 'PORT', 3000, 0, 65535),
    publicUrl: publicUrl && httpsUrl('PUBLIC_URL', publicUrl, { origin: true }),
    audience: audience && httpsUrl('AUDIENCE', audience, { origin: true }),
    issuer,
    jwksUri: optional(env, 'AS_JWKS_URI', (value) => httpsUrl('AS_JWKS_URI', value)),
    authServerCa: pem('AS_CA_FILE', text(env, 'AS_CA_FILE') ?? DEV_TLS_FILES.ca),
    tls: {
      cert: pem('TLS_CERT_FILE', text(env, 'TLS_CERT_FILE') ?? DEV_TLS_FILES.cert),
      key: pem('TLS_KEY_FILE', text(env, 'TLS_KEY_FILE') ?? DEV_TLS_FILES.key),
    },
    paymentsBinding: oneOf<PaymentsBinding>(
      env,
      'PAYMENTS_BINDING',
      ['any', 'dpop', 'mtls'],
      'any',
    ),
    dpopNonce,
    dpopNonceSecret: dpopNonceSecret(env, dpopNonce),
    database: databaseConfig(env),
    redis: redisConfig(env),
    introspection: introspectionConfig(env),
    rateLimit: {
      limit: integer(env, 'RATE_LIMIT', 300, 1, 1_000_000),
      ttlMs: integer(env, 'RATE_LIMIT_WINDOW_S', 60, 1, 86_400) * 1000,
    },
    settlementDelayMs: integer(env, 'PAYMENT_SETTLEMENT_S', 5, 0, 86_400) * 1000,
    strongAuthThresholdMinor: amountMinor(env, 'STRONG_AUTH_THRESHOLD', '500.00'),
    audit: oneOf<AuditSink>(env, 'AUDIT_LOG', ['stdout', 'stderr', 'off'], 'stdout'),
    logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(logLevel) + 1),
    metricsPort: optional(env, 'METRICS_PORT', () => integer(env, 'METRICS_PORT', 0, 1, 65535)),
    signatures: signatureConfig(env),
  };
}

/** `read(value)` when the variable is set, else undefined. */
function optional<T>(
  env: NodeJS.ProcessEnv,
  variable: string,
  read: (value: string) => T,
): T | undefined {
  const value = text(env, variable);
  return value === undefined ? undefined : read(value);
}

/** The configuration once the API listens: public URL and audience are known. */
export interface ResolvedAppConfig extends AppConfig {
  port: number;
  publicUrl: string;
  audience: string;
}

/** Fills in the public URL (`https://<host>:<port>`) and the audience (the public URL). */
export function resolveConfig(config: AppConfig, port: number): ResolvedAppConfig {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const publicUrl = config.publicUrl ?? `https://${host}:${port}`;
  return { ...config, port, publicUrl, audience: config.audience ?? publicUrl };
}

/** Injection token of the {@link ResolvedAppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');
