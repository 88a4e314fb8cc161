/**
 * Configuration of the sample API, read once from environment variables. Every variable has a
 * safe default for local development: HTTPS on 127.0.0.1:3000 with the dev certificate of
 * apps/auth-server, the dev authorization server on https://127.0.0.1:4000, in-memory data.
 * A bad value stops the start-up with a message naming the variable.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
  /** The AS key set. Default `<issuer>/jwks`. */
  jwksUri: string;
  /** PEM CA(s) trusted when fetching the AS key set. */
  authServerCa: string;
  tls: { cert: string; key: string };
  paymentsBinding: PaymentsBinding;
  /** Require server-provided DPoP nonces (RFC 9449 §9). */
  dpopNonce: boolean;
  rateLimit: { limit: number; ttlMs: number };
  /** How long a new payment stays `AcceptedSettlementInProcess`. */
  settlementDelayMs: number;
  audit: AuditSink;
  logLevels: LogLevel[];
}

/** apps/auth-server/dev-fixtures/tls, from src/config or dist/config. */
const DEV_TLS_DIR = fileURLToPath(
  new URL('../../../auth-server/dev-fixtures/tls/', import.meta.url),
);

export const DEV_TLS_FILES = {
  ca: `${DEV_TLS_DIR}ca.crt.pem`,
  cert: `${DEV_TLS_DIR}server.crt.pem`,
  key: `${DEV_TLS_DIR}server.key.pem`,
} as const;

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

/**
 * Reads the configuration from `env` (default `process.env`). Throws a TypeError naming the
 * variable when a value is invalid or a file cannot be read.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const issuer = httpsUrl('AS_ISSUER', text(env, 'AS_ISSUER') ?? 'https://127.0.0.1:4000');
  const publicUrl = text(env, 'PUBLIC_URL');
  const audience = text(env, 'AUDIENCE');
  const logLevel = oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'warn');
  return {
    host: text(env, 'HOST') ?? '127.0.0.1',
    port: integer(env, 'PORT', 3000, 0, 65535),
    publicUrl: publicUrl && httpsUrl('PUBLIC_URL', publicUrl, { origin: true }),
    audience: audience && httpsUrl('AUDIENCE', audience, { origin: true }),
    issuer,
    jwksUri: httpsUrl('AS_JWKS_URI', text(env, 'AS_JWKS_URI') ?? `${issuer}/jwks`),
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
    dpopNonce: flag(env, 'DPOP_NONCE'),
    rateLimit: {
      limit: integer(env, 'RATE_LIMIT', 300, 1, 1_000_000),
      ttlMs: integer(env, 'RATE_LIMIT_WINDOW_S', 60, 1, 86_400) * 1000,
    },
    settlementDelayMs: integer(env, 'PAYMENT_SETTLEMENT_S', 5, 0, 86_400) * 1000,
    audit: oneOf<AuditSink>(env, 'AUDIT_LOG', ['stdout', 'stderr', 'off'], 'stdout'),
    logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(logLevel) + 1),
  };
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
