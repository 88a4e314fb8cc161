/**
 * CLI: starts the sample accounts API (configuration from environment variables, see README).
 *
 * Prints exactly one line `api=<url>` on stdout once it listens (scripts parse it); after that,
 * stdout carries the audit trail (one JSON line per decision) and stderr Nest's own log lines.
 * SIGINT/SIGTERM close it cleanly.
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

process.stdout.write(`api=${api.url}\n`);
console.error(
  `[accounts-api] listening on ${api.url} (issuer ${api.config.issuer}, ` +
    `payments: ${api.config.paymentsBinding === 'any' ? 'DPoP or mTLS' : api.config.paymentsBinding}); ` +
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
