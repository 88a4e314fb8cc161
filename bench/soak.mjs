// Soak benchmark: SOAK_VALID distinct valid DPoP requests, then SOAK_GARBAGE malformed ones,
// through Express + fapi-guard, sampling the server's RSS and heap every SAMPLE_MS. Bounded by
// SOAK_MAX_SECONDS. Prints the memory curve and whether RSS stayed flat after the first minute.
// Run after `npm run build`: `node bench/soak.mjs` (SOAK_VALID, SOAK_GARBAGE default 1 000 000).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { createTestAuthority } from '../packages/testing/dist/index.js';

const VALID = Number(process.env.SOAK_VALID ?? 1_000_000);
const GARBAGE = Number(process.env.SOAK_GARBAGE ?? 1_000_000);
const MAX_SECONDS = Number(process.env.SOAK_MAX_SECONDS ?? 1_200);
const SAMPLE_MS = Number(process.env.SAMPLE_MS ?? 5_000);
const PORT = Number(process.env.BENCH_PORT ?? 39124);
const NOW_S = 1_800_000_000;
const ISSUER = 'https://as.soak.test';
const AUDIENCE = 'https://api.soak.test';
const URL_ = `http://127.0.0.1:${PORT}/accounts`;
/** Time is counted from the start of the load (reset once the proofs are made). */
let started = Date.now();
const elapsed = () => (Date.now() - started) / 1000;

const authority = await createTestAuthority({
  issuer: ISSUER,
  audience: AUDIENCE,
  algorithms: ['ES256'],
});
const server = spawn(process.execPath, [new URL('soak/server.mjs', import.meta.url).pathname], {
  env: {
    ...process.env,
    PORT: String(PORT),
    ISSUER,
    AUDIENCE,
    JWKS: JSON.stringify(authority.jwks()),
    FIXED_NOW_S: String(NOW_S),
    NODE_ENV: 'production',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise((resolve) =>
  server.stdout.on('data', (d) => String(d).includes('ready') && resolve()),
);

// Proofs come from a worker thread, a batch at a time, so the client's event loop stays free.
const worker = new Worker(new URL('soak/proofs.mjs', import.meta.url), {
  workerData: { htu: URL_, iat: NOW_S, total: VALID, batch: 20_000 },
});
const [{ jkt }] = await once(worker, 'message');
const token = await authority.mintAccessToken({ now: NOW_S, expiresIn: 86_400, cnf: { jkt } });
const queue = [];
worker.on('message', ({ proofs }) => queue.push(...proofs));
worker.postMessage({ token });
// Every proof is made before the load starts, so the client spends its time sending and the
// caps fill early: what follows shows whether memory stays flat once they are full.
const generating = Date.now();
while (queue.length < VALID) await new Promise((resolve) => setTimeout(resolve, 100));
console.log(`${VALID} proofs made in ${((Date.now() - generating) / 1000).toFixed(0)} s`);
let next = 0;
started = Date.now();

const samples = [];
let phase = 'valid';
let sent = 0;
const sampler = setInterval(async () => {
  try {
    const { rss, heapUsed } = await (await fetch(`http://127.0.0.1:${PORT}/_memory`)).json();
    samples.push({ t: elapsed(), phase, sent, rss: rss / 1048576, heap: heapUsed / 1048576 });
  } catch {
    // the server is busy; the next sample will do
  }
}, SAMPLE_MS);

// Garbage stays within legal header characters (visible ASCII): bytes an HTTP parser refuses
// never reach the verifier (the property tests cover arbitrary bytes at that level).
const printable = (bytes) => String.fromCharCode(...bytes.map((b) => 0x21 + (b % 94)));
const garbage = () => {
  const kind = sent % 4;
  const raw = randomBytes(24 + (sent % 200));
  const junk = kind === 0 ? printable([...raw]) : raw.toString('base64url');
  if (kind === 1)
    return { authorization: `DPoP ${junk}.${junk}.${junk}`, dpop: `${junk}.${junk}.${junk}` };
  if (kind === 2) return { authorization: `Bearer ${junk}` };
  if (kind === 3) return { authorization: `DPoP ${token}`, dpop: `${junk}.e30.${junk}` };
  return { authorization: `DPoP ${junk}` };
};

async function load(amount, headers) {
  const result = await autocannon({
    url: URL_,
    connections: 32,
    amount,
    duration: Math.max(1, MAX_SECONDS - elapsed()),
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, headers: headers() }) }],
  });
  return result;
}

const valid = await load(VALID, () => {
  sent += 1;
  return { authorization: `DPoP ${token}`, dpop: queue[next++] ?? 'exhausted.proof.queue' };
});
phase = 'garbage';
const bad = await load(GARBAGE, () => {
  sent += 1;
  return garbage();
});
clearInterval(sampler);
await worker.terminate();
server.kill('SIGTERM');
await once(server, 'exit');

const mb = (v) => v.toFixed(0);
console.log(`\nsoak: node ${process.version}, ${elapsed().toFixed(0)} s`);
console.log(
  `valid phase: ${valid.requests.total} requests, ${valid['2xx']} 2xx, ${valid.non2xx} non-2xx, ${Math.round(valid.requests.average)} req/s`,
);
console.log(
  `garbage phase: ${bad.requests.total} requests, ${bad['2xx']} 2xx, ${bad.non2xx} non-2xx (4xx expected), ${Math.round(bad.requests.average)} req/s, ${bad.errors} errors`,
);
console.log('\n| t (s) | phase | requests sent | RSS MiB | heap MiB |\n|---:|---|---:|---:|---:|');
const step = Math.max(1, Math.floor(samples.length / 30));
for (const s of samples.filter((_, i) => i % step === 0 || i === samples.length - 1)) {
  console.log(`| ${s.t.toFixed(0)} | ${s.phase} | ${s.sent} | ${mb(s.rss)} | ${mb(s.heap)} |`);
}
// The caps (replay store 100 000, caches 10 000) fill first; after that memory must stay flat.
// Compare the second half of the run with its start.
const half = samples.slice(Math.floor(samples.length / 2));
if (half.length > 1) {
  const start = half[0];
  const peak = Math.max(...half.map((s) => s.rss));
  console.log(
    `\nsecond half (from ${start.t.toFixed(0)} s, ${start.sent} requests): RSS ${mb(start.rss)} MiB at its start, ` +
      `peak ${mb(peak)} MiB, growth ${mb(peak - start.rss)} MiB; overall peak ${mb(Math.max(...samples.map((s) => s.rss)))} MiB`,
  );
}
