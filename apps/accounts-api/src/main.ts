/**
 * CLI: starts the sample accounts API (configuration from environment variables, see README).
 *
 * Once it listens it prints `listen=<url>` (the address of this process) and then exactly one
 * line `api=<url>` (the public URL) on stdout; scripts parse them. After that, stdout carries
 * the audit trail (one JSON line per decision) and stderr Nest's own log lines. SIGINT/SIGTERM
 * close it cleanly.
 */
import { startAccountsApi } from './accounts-api.js';
import { loadConfig } from './config/app-config.js';

let api;
try {
  api = await startAccountsApi(loadConfig());
} catch (error) {
  console.error(`[accounts-api] cannot start: ${(error as Error).message}`);
  process.exit(2);
}

process.stdout.write(`listen=${api.listenUrl}\napi=${api.url}\n`);
const { config } = api;
const features = [
  `issuer ${config.issuer}`,
  `payments: ${config.paymentsBinding === 'any' ? 'DPoP or mTLS' : config.paymentsBinding}`,
  `data: ${config.database.driver === 'postgres' ? 'PostgreSQL' : `embedded PGlite (${config.database.dataDir ?? 'memory'})`}`,
  `DPoP replay store: ${config.redis ? 'Redis' : 'memory'}`,
  `DPoP nonces: ${config.dpopNonce ? (config.dpopNonceSecret ? 'shared secret' : 'this process') : 'off'}`,
  `keys: ${config.jwksUri ?? 'AS metadata (discovery)'}`,
  ...(config.introspection ? ['opaque tokens: introspection'] : []),
  ...(config.metricsPort ? [`metrics on port ${config.metricsPort}`] : []),
];
console.error(
  `[accounts-api] listening on ${api.listenUrl}` +
    `${api.listenUrl === api.url ? '' : ` (public URL ${api.url})`} (${features.join(', ')}); ` +
    `docs ${api.url}/docs`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error(`[accounts-api] ${signal}: shutting down`);
    setTimeout(() => process.exit(1), 3000).unref();
    api.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
