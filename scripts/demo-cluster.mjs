// `npm run demo:cluster`: the accounts API beyond one machine. Starts the development
// authorization server and TWO accounts-api instances that share Redis (the DPoP replay store),
// a DPoP nonce secret and PostgreSQL (the data: payments and idempotency keys), both configured
// with one public URL (the load balancer's address), then shows one request accepted by
// instance A, the same bytes replayed to instance B and refused, B accepting a fresh proof
// carrying the nonce A issued, and one payment sent to A and B at once with one
// x-idempotency-key, paid once. Stops everything and exits 0 (1 if an expectation failed).
//
// Environment: PORT_A (default 3001), PORT_B (default 3002), AUTH_SERVER_PORT (default 4000;
// 0 = any free port for any of them), PUBLIC_URL (default https://127.0.0.1:3000, where a load
// balancer would listen: nothing is started there), REDIS_URL (default redis://127.0.0.1:6379),
// DATABASE_URL (default: a database fapi_guard_demo_<random> this run creates on
// postgres://postgres@127.0.0.1:5432/ and drops at the end; a given one is used as it is and
// kept), SKIP_BUILD=1 (use the existing dist/ folders), NO_COLOR.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { buildWorkspace, createSupervisor, createTerminal, ROOT } from './lib/supervisor.mjs';

const AS_MAIN = 'apps/auth-server/dist/main.js';
const API_MAIN = 'apps/accounts-api/dist/main.js';
const CLIENT_FLOW = 'apps/auth-server/dist/client-flow.js';
const FIXTURES = 'apps/auth-server/dist/fixtures.js';
const API_CLIENT = 'apps/accounts-api/dist/walkthrough/api-client.js';
const PRINTER = 'apps/accounts-api/dist/walkthrough/printer.js';
const CONSENTS = 'apps/accounts-api/dist/walkthrough/consents.js';

const env = process.env;
const terminal = createTerminal();
const { color, bold, dim, red, say, seconds } = terminal;

const redisUrl = env.REDIS_URL || 'redis://127.0.0.1:6379';
const publicUrl = (env.PUBLIC_URL || 'https://127.0.0.1:3000').replace(/\/$/, '');
/** Replay keys of this run only, removed at the end. */
const keyPrefix = `fapi:demo:${randomUUID()}:`;
/** Where this run creates its database when DATABASE_URL is not set. */
const POSTGRES_SERVER = 'postgres://postgres@127.0.0.1:5432/';
/** This run's database (hex: nothing to quote), unless DATABASE_URL names one. */
const demoDatabase = env.DATABASE_URL
  ? undefined
  : `fapi_guard_demo_${randomBytes(6).toString('hex')}`;
const databaseUrl = env.DATABASE_URL || `${POSTGRES_SERVER}${demoDatabase}`;

let redis;
/** A pg pool on the database, once it exists. */
let sql;
let createdDatabase = false;
const { children, start, shutdown, fail } = createSupervisor(terminal, {
  signalExitCode: 1,
  // This run's replay keys go with it.
  async beforeExit() {
    await sql?.end().catch(() => undefined);
    if (createdDatabase) {
      await withPostgres(`${POSTGRES_SERVER}postgres`, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${demoDatabase} WITH (FORCE)`),
      ).catch(() => undefined);
    }
    if (!redis) return;
    try {
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    } catch {
      redis.disconnect();
    }
  },
});

/** Starts `node <main>` and resolves with its stdout `<key>=<value>` lines once all are there. */
async function startServer(name, main, keys, extraEnv) {
  const { values, server } = await start(name, main, keys, extraEnv);
  return { ...values, server };
}

/** A connected ioredis client, or undefined when Redis does not answer within a second. */
async function connectRedis() {
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch {
    client.disconnect();
    return undefined;
  }
}

/** Runs `work` on a pg client connected to `url` (within a second), then disconnects. */
async function withPostgres(url, work) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates this run's database (or checks that DATABASE_URL answers) and opens a small pool on
 * it for the demo's own look at the data. Resolves false when PostgreSQL does not answer.
 */
async function prepareDatabase() {
  try {
    if (demoDatabase) {
      await withPostgres(`${POSTGRES_SERVER}postgres`, (client) =>
        client.query(`CREATE DATABASE ${demoDatabase}`),
      );
      createdDatabase = true;
    } else {
      await withPostgres(databaseUrl, (client) => client.query('SELECT 1'));
    }
  } catch {
    return false;
  }
  const { default: pg } = await import('pg');
  sql = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  sql.on('error', () => undefined);
  return true;
}

/** The claims of a DPoP proof, decoded for display (not verified). */
function proofClaims(proof) {
  try {
    return JSON.parse(Buffer.from(proof.split('.')[1], 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

async function main() {
  say(bold('fapi-guard cluster demo: two API instances, one Redis, one PostgreSQL'));
  if (!existsSync(`${ROOT}node_modules/typescript`)) {
    fail('Dependencies are missing: run `npm install` first.');
    return;
  }
  const where = new URL(redisUrl);
  const redisAddress = `${where.hostname}:${where.port || 6379}`;
  redis = await connectRedis();
  if (!redis) {
    fail(
      `Redis not reachable at ${redisAddress} — start it with redis-server --daemonize yes ` +
        `--port ${where.port || 6379} --save "" --appendonly no (or set REDIS_URL)`,
    );
    return;
  }
  say(`  redis       ${redisAddress} answers PING; this run's replay keys: ${keyPrefix}*`);
  const database = new URL(databaseUrl);
  const postgresAddress = `${database.hostname}:${database.port || 5432}`;
  if (!(await prepareDatabase())) {
    fail(
      `PostgreSQL not reachable at ${postgresAddress} — start it (e.g. pg_ctlcluster 15 main ` +
        'start) and allow the postgres user to connect from 127.0.0.1, or set DATABASE_URL',
    );
    return;
  }
  say(
    `  postgres    ${postgresAddress} answers; ${demoDatabase ? `this run's database: ${demoDatabase} (dropped at the end)` : 'the database of DATABASE_URL (kept)'}`,
  );

  if (
    !buildWorkspace(
      terminal,
      fail,
      [AS_MAIN, API_MAIN, CLIENT_FLOW, FIXTURES, API_CLIENT, PRINTER],
      'this demo',
    )
  ) {
    return;
  }

  // Every instance: the same public URL (DPoP htu base and audience), the same nonce secret,
  // the same Redis. This secret lives for this run only; a real cluster takes it from a vault.
  const started = performance.now();
  const asPort = env.AUTH_SERVER_PORT || '4000';
  const clusterEnv = {
    PUBLIC_URL: publicUrl,
    DPOP_NONCE: '1',
    DPOP_NONCE_SECRET: randomBytes(32).toString('base64url'),
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'error',
  };
  // With a fixed AS port all three start at once; with port 0 the instances wait for the issuer.
  const knownIssuer = asPort === '0' ? undefined : `https://127.0.0.1:${asPort}`;
  const asReady = startServer('auth-server', AS_MAIN, ['issuer'], {
    AUTH_SERVER_PORT: asPort,
    AUTH_SERVER_HOST: '127.0.0.1',
    AT_FORMAT: 'jwt',
    DPOP_NONCE: '0',
  });
  let as;
  let a;
  let b;
  try {
    const instances = [
      ['A', env.PORT_A || '3001'],
      ['B', env.PORT_B || '3002'],
    ].map(async ([name, port]) =>
      startServer(`accounts-api ${name}`, API_MAIN, ['listen', 'api'], {
        ...clusterEnv,
        PORT: port,
        AS_ISSUER: knownIssuer ?? (await asReady).issuer,
      }),
    );
    [as, a, b] = await Promise.all([asReady, ...instances]);
  } catch (error) {
    const failed = children.find((c) => c.child.exitCode !== null) ?? children.at(-1);
    const busy = /EADDRINUSE/.test(failed?.stderr ?? '');
    fail(
      `Could not start the servers: ${error.message}`,
      busy
        ? 'A port is in use: stop what uses it, or choose others (PORT_A, PORT_B, AUTH_SERVER_PORT; 0 = any).'
        : failed?.stderr,
    );
    return;
  }
  say(`  started     authorization server ${as.issuer},`);
  say(`              instance A ${a.listen}, instance B ${b.listen} in ${seconds(started)}`);
  say(`  public URL  ${publicUrl} on both (the load balancer's address: DPoP htu and audience)`);
  say(
    '  shared      REDIS_URL (replay store), DPOP_NONCE=1 with one DPOP_NONCE_SECRET, ' +
      'DATABASE_URL (payments, idempotency keys)',
  );

  const load = (file) => import(pathToFileURL(`${ROOT}${file}`).href);
  const [{ generateDpopKey, obtainAccessToken }, { loadDevFixtures }, { ApiClient, rebase }] =
    await Promise.all([load(CLIENT_FLOW), load(FIXTURES), load(API_CLIENT)]);
  const { Printer, abbreviate, peekJwt } = await load(PRINTER);
  const { broadConsent } = await load(CONSENTS);
  const print = new Printer(say, color);
  const fixtures = loadDevFixtures();
  const failures = [];
  const expect = (ok, text, failure = text) => {
    print.verdict(ok, text);
    if (!ok) failures.push(failure);
    return ok;
  };
  const instance = (url) => (url.startsWith(a.listen) ? 'A' : url.startsWith(b.listen) ? 'B' : '?');
  const showProof = (exchange) => {
    const proof = proofClaims(exchange.request.headers.dpop ?? '');
    const jti = `${String(proof.jti).slice(0, 12)}…`;
    print.note(
      print.dim(
        `  ↳ instance ${instance(exchange.request.url)}; proof jti ${jti}, nonce ${proof.nonce ?? '(none)'}`,
      ),
    );
    return proof;
  };

  // 1. Sign in.
  print.heading('1. alice signs in with dpop-client; the token is for the public URL');
  const alice = fixtures.users.find((u) => u.username === 'alice');
  const dpopKey = await generateDpopKey('ES256');
  const token = await obtainAccessToken({
    issuer: as.issuer,
    clientId: fixtures.clients.dpop.clientId,
    clientKey: fixtures.clients.dpop.privateJwk,
    dpopKey,
    ca: fixtures.tls.ca,
    scope: 'openid accounts payments',
    resource: publicUrl,
    authorizationDetails: broadConsent(),
    username: alice.username,
    password: alice.password,
    onStep: (step) => print.flowStep(step, as.issuer),
  });
  const claims = token.claims ?? peekJwt(token.accessToken) ?? {};
  print.line();
  print.note(`access token ${abbreviate(token.accessToken)} (token_type ${token.tokenType})`);
  print.note(print.dim(`aud ${claims.aud}, cnf.jkt ${claims.cnf?.jkt}`));
  expect(
    claims.aud === publicUrl && Boolean(claims.cnf?.jkt),
    'DPoP-bound, audience the public URL: valid at every instance',
  );

  const client = new ApiClient({ accessToken: token.accessToken, dpopKey, ca: fixtures.tls.ca });
  const accounts = `${publicUrl}/accounts`;
  try {
    // 2. A request to A (nonce round trip first).
    print.heading('2. GET /accounts, delivered to instance A');
    print.note('The client addresses the public URL; the load balancer picks A.');
    const before = client.exchanges.length;
    const accepted = await client.call('GET', accounts, { deliverTo: a.listen });
    const sent = client.exchanges.slice(before);
    for (const exchange of sent) {
      print.exchange(exchange, [`${exchange.response.body?.data?.length ?? 0} accounts of alice`]);
      showProof(exchange);
    }
    const nonceFromA = sent[0]?.response.headers['dpop-nonce'];
    const acceptedProof = proofClaims(accepted.request.headers.dpop ?? '');
    expect(
      sent.length === 2 &&
        sent[0].response.status === 401 &&
        accepted.response.status === 200 &&
        acceptedProof.nonce === nonceFromA,
      'A asked for a nonce (401 use_dpop_nonce), then accepted the proof carrying it: 200',
      `A answered ${sent.map((x) => x.response.status).join(', ')}`,
    );

    // 3. The same bytes replayed to B.
    print.heading('3. Attack: replay that exact request (same token, same proof) to instance B');
    print.note('An attacker who captured step 2 sends it again; the load balancer picks B.');
    const replay = await client.send({
      ...accepted.request,
      url: rebase(accepted.request.url, b.listen),
    });
    print.exchange(replay);
    showProof(replay);
    expect(
      replay.response.status === 401 &&
        /^DPoP error="invalid_dpop_proof"/.test(
          replay.response.headers['www-authenticate'] ?? '',
        ) &&
        replay.response.body?.error_description === 'DPoP proof was already used',
      'refused by B: 401 invalid_dpop_proof, "DPoP proof was already used" (A recorded it in Redis)',
      `B answered the replay with ${replay.response.status}`,
    );

    // 4. A fresh proof with A's nonce, to B.
    print.heading("4. A new request with a fresh proof, carrying A's nonce, to instance B");
    const beforeFresh = client.exchanges.length;
    const fresh = await client.call('GET', accounts, { deliverTo: b.listen });
    const freshSent = client.exchanges.slice(beforeFresh);
    print.exchange(fresh, [`${fresh.response.body?.data?.length ?? 0} accounts of alice`]);
    const freshProof = showProof(fresh);
    expect(
      freshSent.length === 1 && fresh.response.status === 200 && freshProof.nonce === nonceFromA,
      "accepted by B at once (200): B checks A's nonce with the shared DPOP_NONCE_SECRET",
      `B answered ${freshSent.map((x) => x.response.status).join(', ')}`,
    );

    // 5. What Redis holds.
    print.heading('5. What Redis holds');
    const keys = await redis.keys(`${keyPrefix}*`);
    const ttls = await Promise.all(keys.map((key) => redis.pttl(key)));
    for (const [index, key] of keys.entries()) {
      print.note(
        `${key.slice(0, keyPrefix.length + 12)}…  expires in ${(ttls[index] / 1000).toFixed(1)} s`,
      );
    }
    print.note(
      print.dim(
        'one key per accepted proof: SET <prefix><SHA-256(jkt, jti)> 1 NX PX 80000 (proof window 60 s + 2 × 10 s tolerance)',
      ),
    );
    expect(keys.length === 2, `${keys.length} keys: one per accepted proof (steps 2 and 4)`);

    // 6. One payment, sent to both instances at once.
    print.heading('6. One payment sent to A and to B at the same moment, one x-idempotency-key');
    print.note('A client that timed out and retried through the load balancer does exactly this.');
    const idempotencyKey = randomUUID();
    const payment = {
      debtorAccountId: 'acc-5f1c2d8e',
      instructedAmount: { amount: '12.34', currency: 'GBP' },
      creditorAccount: { name: 'Bob Example', iban: 'GB39FAPG20051563918204' },
      reference: 'Cluster demo',
    };
    // Two clients with the same token and key, as two threads of one TPP. Payments are signed
    // (HTTP message signatures) with the client's private_key_jwt key, as the API requires.
    const clientKey = fixtures.clients.dpop.privateJwk;
    const signer = { key: clientKey, keyId: clientKey.kid, algorithm: 'ecdsa-p256-sha256' };
    const twins = [0, 1].map(
      () => new ApiClient({ accessToken: token.accessToken, dpopKey, ca: fixtures.tls.ca, signer }),
    );
    try {
      const paid = await Promise.all(
        [a.listen, b.listen].map((deliverTo, index) =>
          twins[index].call('POST', `${publicUrl}/domestic-payments`, {
            deliverTo,
            headers: { 'x-idempotency-key': idempotencyKey },
            body: payment,
          }),
        ),
      );
      for (const exchange of paid) {
        print.exchange(exchange, [`paymentId ${exchange.response.body?.data?.paymentId}`]);
        showProof(exchange);
      }
      const ids = paid.map((x) => x.response.body?.data?.paymentId);
      const replays = paid.filter((x) => x.response.headers['idempotent-replayed'] === 'true');
      expect(
        paid.every((x) => x.response.status === 201) &&
          Boolean(ids[0]) &&
          ids[0] === ids[1] &&
          replays.length === 1,
        'both 201 with the same paymentId; one is the replay (idempotent-replayed: true)',
        `A and B answered ${paid.map((x) => x.response.status).join(', ')}`,
      );
      const { rows } = await sql.query(
        'SELECT payment_id, amount_minor FROM payments WHERE idempotency_key = $1',
        [idempotencyKey],
      );
      print.note(
        print.dim(
          'one transaction each: INSERT INTO idempotency_keys ... ON CONFLICT DO NOTHING, ' +
            'SELECT ... FOR UPDATE on the debtor account, funds check, payment and debit',
        ),
      );
      expect(
        rows.length === 1 && rows[0].payment_id === ids[0],
        `PostgreSQL holds ${rows.length} payment for that key: paid once`,
      );
    } finally {
      await Promise.all(twins.map((twin) => twin.close()));
    }
  } catch (error) {
    failures.push(error.message);
    say(red(`  the demo failed: ${error.stack ?? error}`));
  } finally {
    await client.close();
  }

  // Audit trails.
  await new Promise((resolve) => setTimeout(resolve, 100));
  print.heading('Audit trails (one JSON line per decision)');
  for (const [name, server] of [
    ['A', a.server],
    ['B', b.server],
  ]) {
    for (const line of server.stdoutLines.filter((l) => l.startsWith('{'))) {
      const entry = JSON.parse(line);
      say(
        dim(
          `  ${name}  ${entry.outcome.padEnd(5)} ${entry.status} ${entry.method} ${entry.path}  ${entry.code ?? `${entry.subject} via ${entry.clientId}`}`,
        ),
      );
    }
  }

  say('');
  if (failures.length === 0) {
    say(
      "Cluster demo complete: a proof accepted by A is refused by B; A's nonce is accepted by B; " +
        'one payment sent to both is paid once.',
    );
  } else {
    say(red(`Cluster demo FAILED: ${failures.join('; ')}`));
  }
  say(
    dim(
      `Stopping the servers and removing this run's Redis keys${demoDatabase ? ' and database' : ''}.`,
    ),
  );
  await shutdown(failures.length === 0 ? 0 : 1);
}

main().catch((error) => fail(`demo:cluster failed: ${error.stack ?? error}`));
