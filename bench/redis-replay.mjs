// What the DPoP replay check costs with a shared Redis store instead of the in-memory default.
// Run after `npm run build`: `node bench/redis-replay.mjs` (Redis on 127.0.0.1:6379, or
// REDIS_URL). Prints, in one run:
//   - checkAndStore latency (p50 / p99 / mean µs), memoryReplayStore vs redisReplayStore,
//     sequential and with 32 calls in flight;
//   - a plain Redis GET round trip, and ES256 / PS256 signature verification with an imported
//     key: the figures behind "no shared Redis cache of verified tokens";
//   - verify() of a DPoP request with a cached token, with each store;
//   - Redis memory per replay key.
// Every phase stops at its time budget (BENCH_PHASE_S, default 10 s). Keys are written under
// fapi-bench:<pid>: with the real TTL and deleted at the end.
import {
  constants,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify as cryptoVerify,
} from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { createResourceServer, memoryReplayStore } from '../packages/core/dist/index.js';
import { redisReplayStore } from '../packages/redis/dist/index.js';
import { createDpopKey, createTestAuthority, dpopProof } from '../packages/testing/dist/index.js';

const N = Number(process.env.BENCH_N ?? 20_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 32);
const VERIFY_N = Number(process.env.BENCH_VERIFY_N ?? 5_000);
const PHASE_BUDGET_MS = Number(process.env.BENCH_PHASE_S ?? 10) * 1000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TTL_S = 70; // core's default proof window (60 s) + 2 × tolerance (5 s)
const PREFIX = `fapi-bench:${process.pid}:`;

const redis = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false });
redis.on('error', () => {});
try {
  await redis.connect();
  await redis.ping();
} catch (error) {
  console.error(`Redis not reachable at ${REDIS_URL} (${error.message}) — start it with`);
  console.error('redis-server --daemonize yes --port 6379 --save "" --appendonly no');
  process.exit(1);
}

const newKey = () => randomBytes(32).toString('base64url'); // core's key: 43 characters
const keys = (n) => Array.from({ length: n }, newKey);

/** Per-call latencies (µs) of `call(item)` over `items`, `inFlight` at a time, within budget. */
async function measure(items, inFlight, call) {
  const latencies = [];
  const deadline = performance.now() + PHASE_BUDGET_MS;
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < items.length && performance.now() < deadline) {
      const item = items[next++];
      const t0 = performance.now();
      const answer = call(item);
      if (typeof answer !== 'boolean') await answer; // as core does: no await for sync stores
      latencies.push((performance.now() - t0) * 1000);
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  const wallMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  const mean = latencies.reduce((sum, v) => sum + v, 0) / latencies.length;
  return {
    n: latencies.length,
    p50: at(0.5),
    p99: at(0.99),
    mean,
    opsPerS: (latencies.length / wallMs) * 1000,
    truncated: latencies.length < items.length,
  };
}

const rows = [];
async function phase(label, items, inFlight, call, warmup = 1_000) {
  await measure(items.slice(0, warmup), inFlight, call);
  const result = await measure(items.slice(warmup), inFlight, call);
  rows.push({ label, inFlight, ...result });
}

// 1. checkAndStore: memory vs Redis, sequential and concurrent.
const memory = memoryReplayStore({ max: 4 * N });
const store = redisReplayStore(redis, { keyPrefix: PREFIX });
const memoryBefore = await usedMemory();
await phase('memoryReplayStore.checkAndStore', keys(N + 1_000), 1, (k) =>
  memory.checkAndStore(k, TTL_S),
);
await phase('redisReplayStore.checkAndStore', keys(N + 1_000), 1, (k) =>
  store.checkAndStore(k, TTL_S),
);
const memoryAfter = await usedMemory();
const storedKeys = N + 1_000;
await phase('memoryReplayStore.checkAndStore', keys(N + 1_000), IN_FLIGHT, (k) =>
  memory.checkAndStore(k, TTL_S),
);
await phase('redisReplayStore.checkAndStore', keys(N + 1_000), IN_FLIGHT, (k) =>
  store.checkAndStore(k, TTL_S),
);

// 2. What a shared token cache would cost (GET) against what it would save (a verification).
const probeKey = `${PREFIX}get`;
await redis.set(probeKey, 'x'.repeat(600), 'PX', TTL_S * 1000); // about a cached claims set
const gets = Array.from({ length: N + 1_000 }, () => probeKey);
await phase('Redis GET round trip (600 B value)', gets, 1, (k) => redis.get(k));
await phase('Redis GET round trip (600 B value)', gets, IN_FLIGHT, (k) => redis.get(k));
for (const [label, type, options, algorithm, signOptions] of [
  [
    'ES256 signature verification',
    'ec',
    { namedCurve: 'P-256' },
    'sha256',
    { dsaEncoding: 'ieee-p1363' },
  ],
  [
    'PS256 signature verification',
    'rsa',
    { modulusLength: 2048 },
    'sha256',
    { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
  ],
]) {
  const { privateKey, publicKey } = generateKeyPairSync(type, options);
  const data = Buffer.from(randomBytes(300).toString('base64url'));
  const signature = sign(algorithm, data, { key: privateKey, ...signOptions });
  const items = Array.from({ length: 6_000 }, () => data);
  await phase(label, items, 1, (d) =>
    cryptoVerify(algorithm, d, { key: publicKey, ...signOptions }, signature),
  );
}

// 3. In context: verify() of a DPoP request whose access token is cached (one proof signature).
const NOW_S = 1_800_000_000;
const URL = 'https://api.bank.test/accounts';
const authority = await createTestAuthority({
  issuer: 'https://as.bank.test',
  audience: 'https://api.bank.test',
  algorithms: ['ES256'],
});
const dpopKey = await createDpopKey('ES256');
const token = await authority.mintAccessToken({ now: NOW_S, cnf: { jkt: dpopKey.jkt } });
const request = async () => ({
  method: 'GET',
  url: URL,
  headers: {
    authorization: `DPoP ${token}`,
    dpop: await dpopProof({ key: dpopKey, htm: 'GET', htu: URL, accessToken: token, iat: NOW_S }),
  },
});
for (const [label, replayStore] of [
  ['verify(), cached token, memory store', memoryReplayStore({ max: 4 * VERIFY_N })],
  ['verify(), cached token, Redis store', redisReplayStore(redis, { keyPrefix: PREFIX })],
]) {
  const rs = createResourceServer({
    issuer: 'https://as.bank.test',
    audience: 'https://api.bank.test',
    jwks: authority.jwks(),
    clock: () => NOW_S * 1000,
    dpop: { replayStore, clockToleranceSeconds: 5 },
  });
  const requests = [];
  for (let i = 0; i < VERIFY_N + 500; i += 1) requests.push(await request());
  await phase(label, requests, 1, (r) => rs.verify(r), 500);
  await rs.close();
}

// 4. Memory per key, for a key with the default prefix (used_memory is approximate when others
// share this Redis).
const defaultKey = `fapi:dpop:${newKey()}`;
await redis.set(defaultKey, '1', 'PX', TTL_S * 1000, 'NX');
const keyBytes = await redis.call('MEMORY', 'USAGE', defaultKey);
await redis.unlink(defaultKey);
const deltaPerKey = (memoryAfter - memoryBefore) / storedKeys;

console.log(
  `\nnode ${process.version}, Redis at ${REDIS_URL} (${await serverVersion()}), N=${N}, ` +
    `${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}`,
);
console.log(
  `phase budget ${PHASE_BUDGET_MS / 1000} s; 1 000 warm-up calls per phase not counted\n`,
);
console.log('| operation | in flight | n | p50 µs | p99 µs | mean µs | ops/s |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const row of rows) {
  const cut = row.truncated ? ' (budget hit)' : '';
  console.log(
    `| ${row.label} | ${row.inFlight} | ${row.n}${cut} | ${row.p50.toFixed(1)} | ` +
      `${row.p99.toFixed(1)} | ${row.mean.toFixed(1)} | ${Math.round(row.opsPerS)} |`,
  );
}
console.log(
  `\nRedis memory per replay key: MEMORY USAGE ${keyBytes} B for a ${defaultKey.length}-byte key ` +
    `(default prefix); used_memory grew ${Math.round(deltaPerKey)} B/key over ${storedKeys} keys ` +
    `(${PREFIX.length + 43}-byte keys, expiry entry included)`,
);

// Clean up: every key this run wrote, including those verify() stored through the store.
let cursor = '0';
do {
  const [next, batch] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1_000);
  if (batch.length > 0) await redis.unlink(...batch);
  cursor = next;
} while (cursor !== '0');
memory.close();
redis.disconnect();

async function usedMemory() {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

async function serverVersion() {
  const info = await redis.info('server');
  return `Redis ${/redis_version:([^\r\n]+)/.exec(info)?.[1] ?? '?'}`;
}
