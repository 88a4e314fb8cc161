// `npm start`: builds the workspace, starts the development authorization server and the sample
// accounts API on 127.0.0.1 (HTTPS, dev certificates), runs the walkthrough client against them,
// then keeps both servers running until Ctrl-C (SIGINT) or SIGTERM stops everything.
//
// Environment: PORT (API, default 3000), AUTH_SERVER_PORT (default 4000; 0 = any free port for
// either), WALKTHROUGH_ONLY=1 (stop after the walkthrough; exit code 1 if it found a problem),
// SKIP_BUILD=1 (use the existing dist/ folders), NO_COLOR. Other variables reach the servers
// (see apps/accounts-api/README.md and apps/auth-server/README.md).
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { buildWorkspace, createSupervisor, createTerminal, ROOT } from './lib/supervisor.mjs';

const AS_MAIN = 'apps/auth-server/dist/main.js';
const API_MAIN = 'apps/accounts-api/dist/main.js';
const WALKTHROUGH = 'apps/accounts-api/dist/walkthrough/walkthrough.js';
const CA_FILE = 'apps/auth-server/dev-fixtures/tls/ca.crt.pem';

const env = process.env;
const walkthroughOnly = env.WALKTHROUGH_ONLY === '1' || env.WALKTHROUGH_ONLY === 'true';
const terminal = createTerminal();
const { color, bold, dim, red, green, say, seconds } = terminal;
const { children, start, shutdown, fail } = createSupervisor(terminal);

/** Starts `node <main>` and resolves with the value of its `<key>=` stdout line. */
async function startServer(name, main, key, extraEnv) {
  const { values, server } = await start(name, main, [key], extraEnv);
  return { url: values[key], server };
}

function portHint(stderr, variable, port) {
  return /EADDRINUSE/.test(stderr)
    ? `Port ${port} is in use: stop what uses it, or choose another port (${variable}=<port> npm start).`
    : undefined;
}

async function main() {
  say(bold('fapi-guard sample platform'));
  if (!buildWorkspace(terminal, fail, [AS_MAIN, API_MAIN, WALKTHROUGH], 'npm start')) return;

  const started = performance.now();
  const asPort = env.AUTH_SERVER_PORT || '4000';
  const apiPort = env.PORT || '3000';
  const host = env.AUTH_SERVER_HOST || '127.0.0.1';
  // With a fixed AS port both servers start at once; with port 0 the API waits for the issuer.
  const knownIssuer = asPort === '0' ? undefined : `https://${host}:${asPort}`;
  const asReady = startServer('auth-server', AS_MAIN, 'issuer', {
    AUTH_SERVER_PORT: asPort,
    // The browser playground at the AS calls this API (its origin goes into the page's CSP).
    ...(apiPort === '0' ? {} : { PLAYGROUND_API: `https://127.0.0.1:${apiPort}` }),
  });
  let as;
  let api;
  try {
    const apiReady = (async () =>
      startServer('accounts-api', API_MAIN, 'api', {
        PORT: apiPort,
        AS_ISSUER: knownIssuer ?? (await asReady).url,
        // The playground's payments are signed in the browser with its client's key, which the
        // API finds in the JWKS the AS hosts for that client.
        PLAYGROUND_CLIENT_KEYS: '1',
      }))();
    [as, api] = await Promise.all([asReady, apiReady]);
  } catch (error) {
    const failed = children.find((c) => c.child.exitCode !== null) ?? children[0];
    const hint =
      failed?.name === 'auth-server'
        ? portHint(failed.stderr, 'AUTH_SERVER_PORT', asPort)
        : portHint(failed?.stderr ?? '', 'PORT', apiPort);
    fail(`Could not start the servers: ${error.message}`, hint ?? failed?.stderr);
    return;
  }
  say(
    `  started     authorization server ${as.url}, accounts API ${api.url} in ${seconds(started)}`,
  );

  // Audit lines of the API (its stdout) are kept while the walkthrough prints, shown after it.
  const audit = [];
  api.server.onStdoutLine = (line) => audit.push(line);

  const { runWalkthrough } = await import(pathToFileURL(`${ROOT}${WALKTHROUGH}`).href);
  let result;
  try {
    result = await runWalkthrough({ issuer: as.url, apiUrl: api.url, color });
  } catch (error) {
    fail(
      `The walkthrough failed: ${error.message}`,
      [as.server.stderr, api.server.stderr].join('\n'),
    );
    return;
  }

  say('');
  say(
    bold(`━━ Audit trail: what the API logged (one JSON line per decision, no token material) ━━`),
  );
  for (const line of audit) say(dim(line));

  if (walkthroughOnly) {
    say('');
    say(
      `WALKTHROUGH_ONLY: stopping the servers (${result.ok ? green('walkthrough ok') : red('walkthrough failed')}).`,
    );
    await shutdown(result.ok ? 0 : 1);
    return;
  }

  say('');
  say(bold('━━ The platform keeps running ━━'));
  say(`  authorization server  ${as.url}   (metadata: /.well-known/openid-configuration)`);
  say(
    `  accounts API          ${api.url}   (docs: ${api.url}/docs, /.well-known/oauth-protected-resource)`,
  );
  say(`  browser playground    ${as.url}/playground   (the FAPI 2.0 flow and attacks, in a page)`);
  say('  demo users            alice / alice-dev-password, bob / bob-dev-password');
  // The token helper defaults to the standard ports; name the servers when they differ.
  const where = [
    ...(as.url === 'https://127.0.0.1:4000' ? [] : [`AS_ISSUER=${as.url}`]),
    ...(api.url === 'https://127.0.0.1:3000' ? [] : [`API_URL=${api.url}`]),
  ].join(' ');
  say(`  try                   ${where ? `${where} ` : ''}npm run token -- --scope accounts`);
  say('                        (Authorization and DPoP headers, and a curl line that answers 200)');
  say(
    "  a signed payment      npm run token -- --scope 'accounts payments' --method POST " +
      `--url ${api.url}/domestic-payments --data '<payment JSON>'`,
  );
  say(
    '                        (the curl line also carries Content-Digest, Signature-Input, Signature)',
  );
  say(`  without a token       curl -i --cacert ${CA_FILE} ${api.url}/accounts   (401)`);
  say('  Ctrl-C stops both servers. New audit lines and server messages follow.');
  api.server.onStdoutLine = (line) => say(dim(`[audit] ${line}`));
  for (const server of children) server.streamStderr = true;
}

main().catch((error) => fail(`npm start failed: ${error.stack ?? error}`));
