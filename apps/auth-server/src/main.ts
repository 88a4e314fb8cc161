/**
 * CLI: starts the development FAPI 2.0 authorization server. DEV ONLY.
 *
 *   AUTH_SERVER_PORT   port on 127.0.0.1 (default 4000; 0 = any free port)
 *   AUTH_SERVER_HOST   listen address / issuer host (default 127.0.0.1)
 *   AT_FORMAT          jwt (default) | opaque
 *   AT_ALG             PS256 (default) | ES256
 *   AT_TTL             access token lifetime in seconds (default 300)
 *   RESOURCES          comma-separated resource indicators (default http(s)://127.0.0.1:3000)
 *   DPOP_NONCE         1 to require DPoP nonces at the AS
 *   AUTO_CONSENT       0 to show the consent page instead of granting automatically
 *   AUTH_SERVER_PROTOCOL https (default) | http
 *   PLAYGROUND_API     base URL of the API the /playground page calls (default https://127.0.0.1:3000)
 *
 * Prints exactly one line `issuer=<url>` on stdout once listening (machine-readable; tests
 * parse it), then human-readable hints on stderr.
 */
import { createAuthServer, type AccessTokenFormat, type SigningAlg } from './auth-server.js';

function fail(message: string): never {
  console.error(`[auth-server] ${message}`);
  process.exit(2);
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(allowed as readonly string[]).includes(value))
    fail(`${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

const env = process.env;
const port = env.AUTH_SERVER_PORT ? Number(env.AUTH_SERVER_PORT) : 4000;
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('AUTH_SERVER_PORT must be 0..65535');
const ttl = env.AT_TTL ? Number(env.AT_TTL) : undefined;
if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0))
  fail('AT_TTL must be a positive integer');

const server = await createAuthServer({
  port,
  host: env.AUTH_SERVER_HOST || '127.0.0.1',
  protocol: oneOf('AUTH_SERVER_PROTOCOL', env.AUTH_SERVER_PROTOCOL, ['https', 'http'] as const),
  accessTokenFormat: oneOf<AccessTokenFormat>('AT_FORMAT', env.AT_FORMAT, ['jwt', 'opaque']),
  accessTokenSigningAlg: oneOf<SigningAlg>('AT_ALG', env.AT_ALG, ['PS256', 'ES256']),
  accessTokenTtl: ttl,
  resources: env.RESOURCES
    ? env.RESOURCES.split(',')
        .map((r) => r.trim())
        .filter(Boolean)
    : undefined,
  dpopNonce: env.DPOP_NONCE === '1' || env.DPOP_NONCE === 'true',
  autoConsent: !(env.AUTO_CONSENT === '0' || env.AUTO_CONSENT === 'false'),
  playgroundApiUrl: env.PLAYGROUND_API || undefined,
});

process.stdout.write(`issuer=${server.issuer}\n`);
console.error(
  `[auth-server] DEV ONLY FAPI 2.0 authorization server at ${server.issuer} ` +
    `(access tokens: ${server.options.accessTokenFormat}, ${server.options.accessTokenSigningAlg})`,
);
console.error(`[auth-server] metadata: ${server.issuer}/.well-known/openid-configuration`);
console.error(`[auth-server] browser playground: ${server.issuer}/playground`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error(`[auth-server] ${signal}: shutting down`);
    const timer = setTimeout(() => process.exit(1), 3000);
    timer.unref();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
