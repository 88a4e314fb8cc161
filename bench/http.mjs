// HTTP benchmark over loopback: fapi-guard on Express, Koa, Nest (Express and Fastify
// platforms), Fastify and Hono (on @hono/node-server) against each framework's floor (the same framework doing one ES256 verification
// of the DPoP proof and nothing else), and Express + fapi-guard against the peer
// express-oauth2-jwt-bearer with DPoP required. See README.md ("http") for how to read it.
//
// Run after `npm run build`: `node bench/http.mjs [--rounds 5] [--seconds 4] [--quick] ...`
// (`--help` lists the flags). Servers run interleaved: every round runs each server once, each
// in its own child process, started fresh and warmed up before it is measured.
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import {
  createDpopKey,
  createTestAuthority,
  dpopProof,
  startJwksServer,
  tamperSignature,
} from '../packages/testing/dist/index.js';
import { readConfig, selects, SERVERS, USAGE } from './lib/http-config.mjs';
import { fmt, isDisturbed, printReport } from './lib/http-report.mjs';
import { cpuSeconds, cpuTimes, pinSelf, startServer, stopServer } from './lib/processes.mjs';
import { createProofPool } from './lib/proof-pool.mjs';

const ISSUER = 'https://as.bench.test';
const AUDIENCE = 'https://api.bench.test';
/**
 * Proofs made per second of load for a server not measured yet. Later rounds make enough for
 * 1.5× its best req/s so far and for 1.2× what its CPU time per request allows (a slow round on
 * a busy machine must not make the next, faster one run out and replay proofs).
 */
const FIRST_ROUND_RATE = 12_000;

let config;
try {
  config = readConfig(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof TypeError)) throw error;
  console.error(`${error.message}\n\n${USAGE}${SERVERS.map((s) => s.id).join(', ')}`);
  process.exit(2);
}
const servers = SERVERS.filter(
  (s) => !config.only || config.only.some((part) => selects(part, s.id)),
);
const started = Date.now();
const loadAtStart = loadavg();

const authority = await createTestAuthority({
  issuer: ISSUER,
  audience: AUDIENCE,
  algorithms: ['ES256'],
});
const jwks = await startJwksServer(authority);
const dpopKey = await createDpopKey('ES256');
const token = await authority.mintAccessToken({
  now: Math.floor(Date.now() / 1000),
  expiresIn: 3600,
  scope: 'accounts',
  cnf: { jkt: dpopKey.jkt },
});
const authorization = `DPoP ${token}`;
const subject = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub;
const expectedBody = JSON.stringify({ subject });
const url = `http://127.0.0.1:${config.port}/accounts`;
const serverEnv = {
  ...process.env,
  PORT: String(config.port),
  ISSUER,
  AUDIENCE,
  JWKS_URI: jwks.url,
  TOKEN: token,
  SUBJECT: subject,
  DPOP_JWK: JSON.stringify(dpopKey.publicJwk),
  NODE_ENV: 'production',
};
const pool = createProofPool({ key: dpopKey, token, htu: url, threads: config.cpus?.length ?? 2 });
/** Per server id: the highest req/s and the lowest server CPU µs per request seen so far. */
const seen = new Map();

try {
  printSetup();
  await selfCheck();
  const runs = [];
  for (let round = 1; round <= config.rounds; round += 1) {
    for (const server of servers) {
      const run = await measureUntilClean(server, round);
      runs.push(run);
      console.log(
        `round ${round}/${config.rounds}  ${server.name.padEnd(36)} ${fmt(run.rps).padStart(6)} req/s` +
          `  p99 ${run.p99} ms  ${run.cpuPerRequest ?? '?'} µs CPU/req  ${describeCore(run.core)}` +
          `  load generator ${run.clientCpu} %${run.warnings.length ? `  (${run.warnings.join('; ')})` : ''}`,
      );
    }
  }
  printReport({
    runs,
    servers,
    rounds: config.rounds,
    elapsed: Math.round((Date.now() - started) / 1000),
  });
} finally {
  await pool.close();
  await jwks.close();
}

/**
 * Measures `server` once, again (up to twice) with more proofs if it ran out of them, and again
 * (up to --retries times) while the run is disturbed.
 */
async function measureUntilClean(server, round) {
  let refills = 0;
  let retries = 0;
  for (;;) {
    const run = await measure(server, round);
    learn(server, run);
    const again =
      run.proofsReused > 0 && refills < 2
        ? ((refills += 1), 'ran out of proofs')
        : isDisturbed(run) && retries < config.retries
          ? ((retries += 1), 'disturbed')
          : undefined;
    if (!again) return run;
    console.log(`round ${round}/${config.rounds}  ${server.name}: ${again}, again`);
  }
}

/**
 * Remembers the highest req/s and, from undisturbed runs only (a shared core inflates it), the
 * lowest CPU time per request seen for `server`: the next proof pools are sized from them.
 */
function learn(server, run) {
  const before = seen.get(server.id) ?? { rps: 0, cpuPerRequest: Infinity };
  seen.set(server.id, {
    rps: Math.max(before.rps, run.rps),
    cpuPerRequest: isDisturbed(run)
      ? before.cpuPerRequest
      : Math.min(before.cpuPerRequest, run.cpuPerRequest ?? Infinity),
  });
}

function describeCore(core) {
  if (!core) return '';
  const where = config.serverCpu === undefined ? 'all cores' : `CPU ${config.serverCpu}`;
  return `${where}: server ${core.server} %, other ${core.other} %, irq ${core.interrupts} %, idle ${core.idle} %`;
}

function printSetup() {
  const pinning =
    config.serverCpu === undefined
      ? 'not pinned: server, load generator and the rest of the machine share all cores'
      : `server pinned to CPU ${config.serverCpu}, load generator to CPU ${config.clientCpu} (taskset); proofs are made before each run on all cores`;
  console.log(
    `node ${process.version}; ${servers.length} servers × ${config.rounds} rounds, ${config.seconds} s each ` +
      `(+${config.warmup} s warm-up), ${config.connections} connections, loopback\n` +
      `cores: ${pinning}\nload average at start: ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}\n`,
  );
}

/** Each floor server must accept a good proof (200, the route's JSON) and refuse a bad one. */
async function selfCheck() {
  const floors = servers.filter((s) => s.role === 'floor');
  if (floors.length === 0) return;
  const good = await dpopProof({ key: dpopKey, htm: 'GET', htu: url, accessToken: token });
  const bad = tamperSignature(good);
  for (const server of floors) {
    const child = await start(server);
    try {
      const ok = await get({ authorization, dpop: good });
      const refused = await get({ authorization, dpop: bad });
      if (ok.status !== 200 || ok.body !== expectedBody || refused.status !== 401)
        throw new Error(
          `self-check failed for ${server.name}: good proof ${ok.status} ${ok.body}, ` +
            `bad signature ${refused.status} ${refused.body}`,
        );
    } finally {
      await stopServer(child);
    }
  }
  console.log(
    `self-check: ${floors.map((s) => s.name).join(', ')}: good proof 200, bad signature 401\n`,
  );
}

async function measure(server, round) {
  const rate = proofRate(seen.get(server.id));
  const size = Math.ceil(rate * (config.seconds + config.warmup)) + 100;
  // Signing the proofs overlaps the server's start-up; neither is measured.
  const [child, proofs] = await Promise.all([
    start(server),
    pool.make(size, `r${round}-${server.id}-`),
  ]);
  try {
    let next = 0;
    const headers = () => ({ authorization, dpop: proofs[next++ % proofs.length] });
    const sanity = await get(headers());
    if (sanity.status !== 200 || sanity.body !== expectedBody)
      throw new Error(`${server.name}: sanity request got ${sanity.status} ${sanity.body}`);

    if (config.clientCpu !== undefined) pinSelf(String(config.clientCpu));
    if (config.warmup > 0) await load(config.warmup, headers);
    const watched = config.serverCpu === undefined ? config.cpus : [config.serverCpu];
    const coreBefore = watched && cpuTimes(watched);
    const serverBefore = cpuSeconds(child.pid);
    const clientBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const result = await load(config.seconds, headers);
    const wall = (performance.now() - wallBefore) / 1000;
    const client = process.cpuUsage(clientBefore);
    const serverAfter = cpuSeconds(child.pid);
    const coreAfter = watched && cpuTimes(watched);
    if (config.clientCpu !== undefined) pinSelf(config.cpus.join(','));

    const requests = result.requests.total;
    const warnings = [];
    const proofsReused = Math.max(0, next - proofs.length);
    if (proofsReused > 0) warnings.push(`${proofsReused} proofs reused`);
    if (result.non2xx > 0) warnings.push(`${result.non2xx} non-2xx`);
    if (result.errors + result.timeouts > 0)
      warnings.push(`${result.errors + result.timeouts} errors`);
    const clientSeconds = (client.user + client.system) / 1e6;
    const serverSeconds =
      serverBefore === undefined || serverAfter === undefined
        ? undefined
        : serverAfter - serverBefore;
    return {
      server,
      round,
      rps: result.requests.average,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      cpuPerRequest:
        serverSeconds === undefined || requests === 0
          ? undefined
          : Math.round((serverSeconds * 1e6) / requests),
      // CPU seconds per wall second, in % of one core.
      serverBusy:
        serverSeconds === undefined ? undefined : Math.round((serverSeconds / wall) * 100),
      clientCpu: Math.round((clientSeconds / wall) * 100),
      proofsReused,
      core: coreShares(
        coreBefore,
        coreAfter,
        serverSeconds,
        watched === config.cpus ? clientSeconds : 0,
      ),
      warnings,
    };
  } finally {
    await stopServer(child);
  }
}

/**
 * How the server's core (all cores when unpinned) spent the measurement, in %: the server, other
 * processes (anything but the server and, unpinned, the load generator; and hypervisor steal),
 * interrupts, idle.
 */
function coreShares(before, after, serverSeconds, clientSeconds) {
  if (!before || !after || serverSeconds === undefined) return undefined;
  const total = after.total - before.total;
  const pct = (seconds) => Math.max(0, Math.round((seconds / total) * 100));
  return {
    server: pct(serverSeconds),
    other: pct(after.busy - before.busy - serverSeconds - clientSeconds),
    interrupts: pct(after.kernel - before.kernel),
    idle: pct(after.idle - before.idle),
  };
}

function proofRate(previous) {
  if (!previous) return FIRST_ROUND_RATE;
  // A pinned server has one core; an unpinned one may use all of them.
  const cores = config.serverCpu === undefined ? (config.cpus?.length ?? 2) : 1;
  const capacity = Number.isFinite(previous.cpuPerRequest)
    ? (1.2 * cores * 1e6) / previous.cpuPerRequest
    : FIRST_ROUND_RATE;
  return Math.max(1.5 * previous.rps, capacity);
}

function start(server) {
  return startServer({
    name: server.name,
    script: server.script,
    env: { ...serverEnv, ...server.env },
    cpu: config.serverCpu,
  });
}

async function get(headers) {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.text() };
}

function load(seconds, headers) {
  return autocannon({
    url,
    connections: config.connections,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, headers: headers() }) }],
  });
}
