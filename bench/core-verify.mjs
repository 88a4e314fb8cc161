// Core verifier micro-benchmark. Run after `npm run build`: `node bench/core-verify.mjs`.
// Prints, in one run: the ES256 `crypto.verify` floor, `verify` for a DPoP request whose access
// token is already cached (warm: one proof signature per request), and with a new token each
// request (cold: token + proof signatures), warm with one authorization details requirement
// (a `payment_initiation` element matched against the request body), and warm with a signed
// request (a JSON POST with a DPoP proof and an RFC 9421 signature, `signedRequest: 'required'`).
// Every request carries its own pre-generated proof (and signature). Each row is timed in
// chunks, each right after a floor chunk of as many verifications, and compared with it (A B A
// B: `BENCH_CHUNKS`, 10 per row and round). After the timed rounds, an untimed pass per row
// gives the KB the V8 heap allocates per request.
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { createResourceServer, memoryReplayStore } from '../packages/core/dist/index.js';
import { createDpopKey, createTestAuthority, dpopProof } from '../packages/testing/dist/index.js';
import { httpSignatures } from '../packages/http-signatures/dist/index.js';
import { receivedHeaders } from './lib/as-received.mjs';
import { signedPayment as signedRequest } from './lib/signed-request.mjs';
import { steadyReplayStore } from './lib/steady-store.mjs';

const N = Number(process.env.BENCH_N ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Chunks per row and round, each timed right after a floor chunk of the same size. */
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 10);
const NOW_S = 1_800_000_000;
const URL = 'https://api.bank.test/accounts';
const PAYMENTS_URL = 'https://api.bank.test/payments';

const authority = await createTestAuthority({
  issuer: 'https://as.bank.test',
  audience: 'https://api.bank.test',
  algorithms: ['ES256'],
});
const dpopKey = await createDpopKey('ES256');
const mint = (i) =>
  authority.mintAccessToken({ now: NOW_S, cnf: { jkt: dpopKey.jkt }, claims: { jti: `t${i}` } });
const proof = (token, i) =>
  dpopProof({ key: dpopKey, htm: 'GET', htu: URL, accessToken: token, iat: NOW_S, jti: `p${i}` });

process.stdout.write(`generating ${N} proofs and ${N} tokens... `);
const loadBefore = loadavg()[0];
const warmToken = await mint('warm');
const rarToken = await authority.mintAccessToken({
  now: NOW_S,
  cnf: { jkt: dpopKey.jkt },
  claims: {
    jti: 'rar',
    authorization_details: [
      { type: 'account_access', actions: ['read_balances'], accounts: ['acc-1'] },
      {
        type: 'payment_initiation',
        locations: ['https://api.bank.test'],
        instructedAmount: { currency: 'EUR', amount: '100.00' },
      },
    ],
  },
});
// The signed-request row: client-1 signs with its own ES256 key (ecdsa-p256-sha256), which the
// resource server resolves by the token's client_id and the signature's keyid.
const signingKey = await createDpopKey('ES256');
const signedToken = await mint('signed');
const signedPayment = (id) =>
  signedRequest({
    url: PAYMENTS_URL,
    token: signedToken,
    dpopKey,
    signingKey,
    keyId: 'client-1-k1',
    id,
    nowS: NOW_S,
  });

const PAYMENT = { amount: '50.00', currency: 'EUR' };
/**
 * A GET request as an adapter hands it to `verify`. Every row's requests are made before the
 * timing, so the rows time `verify` only, and their header values are flat strings, as a
 * server's HTTP parser hands them over (see lib/as-received.mjs).
 */
function request(token, dpop, extra) {
  return {
    method: 'GET',
    url: URL,
    headers: receivedHeaders({ authorization: `DPoP ${token}`, dpop }),
    ...extra,
  };
}

const warm = [];
const rar = [];
const cold = [];
const signed = [];
for (let i = 0; i < N; i += 1) {
  warm.push(request(warmToken, await proof(warmToken, `w${i}`)));
  rar.push(request(rarToken, await proof(rarToken, `r${i}`), { body: PAYMENT }));
  const token = await mint(i);
  cold.push(request(token, await proof(token, `c${i}`)));
  signed.push(await signedPayment(`s${i}`));
}
console.log('done');

function server(extra = {}) {
  return createResourceServer({
    issuer: 'https://as.bank.test',
    audience: 'https://api.bank.test',
    jwks: authority.jwks(),
    clock: () => NOW_S * 1000,
    dpop: { replayStore: steadyReplayStore(memoryReplayStore, NOW_S * 1000) },
    tokenCache: { max: 4 * N },
    ...extra,
  });
}

// The floor: one ES256 signature verification with an already imported KeyObject.
const key = createPublicKey({ key: dpopKey.publicJwk, format: 'jwk' });
const floorInputs = warm.map(({ headers }) => {
  const [h, p, s] = headers.dpop.split('.');
  return [Buffer.from(`${h}.${p}`), Buffer.from(s, 'base64url')];
});
/** Wall and CPU µs per request since `start`, over `count` requests. */
function since(start, count) {
  const cpu = process.cpuUsage(start.cpu);
  return {
    wall: Number(process.hrtime.bigint() - start.wall) / 1000 / count,
    cpu: (cpu.user + cpu.system) / count,
  };
}
const begin = () => ({ wall: process.hrtime.bigint(), cpu: process.cpuUsage() });

/** The floor over floorInputs[from, to): one verification each. */
function floorChunk(from, to) {
  const start = begin();
  for (let i = from; i < to; i += 1) {
    const [data, sig] = floorInputs[i];
    if (!cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig))
      throw new Error('bad');
  }
  return since(start, to - from);
}

/**
 * Times `verifyOne` over `list` in CHUNKS chunks; `check` (optional) sees each result. With
 * `pairs`, each chunk comes right after a floor chunk of the same size (A B A B), and the pair
 * goes into `pairs`: the machine's speed drifts within seconds, so a row is compared with the
 * floor measured next to it, not with one measured seconds earlier. Returns the row's own µs
 * per request (floor chunks not counted).
 */
async function chunked(list, verifyOne, pairs, check) {
  const size = Math.ceil(list.length / CHUNKS);
  let wall = 0;
  let cpuUs = 0;
  for (let from = 0; from < list.length; from += size) {
    const to = Math.min(from + size, list.length);
    const floorUs = pairs && floorChunk(from, to);
    const start = begin();
    for (let i = from; i < to; i += 1) {
      const result = await verifyOne(list[i]);
      if (check) check(result);
    }
    const rowUs = since(start, to - from);
    if (pairs) pairs.push({ floor: floorUs, row: rowUs });
    wall += rowUs.wall * (to - from);
    cpuUs += rowUs.cpu * (to - from);
  }
  return { wall: wall / list.length, cpu: cpuUs / list.length };
}

async function warmPath(rs, list, pairs) {
  await rs.verify(request(warmToken, await proof(warmToken, 'prime')));
  const us = await chunked(list, (each) => rs.verify(each), pairs);
  await rs.close();
  return us;
}

const RAR_REQUIREMENT = {
  authorizationDetails: {
    type: 'payment_initiation',
    match: (detail, req) =>
      detail.instructedAmount.currency === req.body.currency &&
      Number(req.body.amount) <= Number(detail.instructedAmount.amount),
  },
};

async function rarPath(rs, list, pairs) {
  const prime = request(rarToken, await proof(rarToken, 'prime'), { body: PAYMENT });
  await rs.verify(prime, RAR_REQUIREMENT);
  const us = await chunked(list, (each) => rs.verify(each, RAR_REQUIREMENT), pairs);
  await rs.close();
  return us;
}

async function coldPath(rs, list, pairs) {
  const us = await chunked(list, (each) => rs.verify(each), pairs);
  await rs.close();
  return us;
}

function signedServer() {
  return server({
    httpSignatures: httpSignatures({
      resolveClientKey: (clientId, keyId) =>
        clientId === 'client-1' && keyId === 'client-1-k1' ? signingKey.publicJwk : undefined,
      clock: () => NOW_S * 1000,
      replayStore: steadyReplayStore(memoryReplayStore, NOW_S * 1000),
    }),
  });
}

async function signedPath(rs, list, pairs) {
  const requirements = { signedRequest: 'required' };
  await rs.verify(await signedPayment('prime'), requirements);
  const us = await chunked(
    list,
    (each) => rs.verify(each, requirements),
    pairs,
    (principal) => {
      if (principal.signature === undefined) throw new Error('no signature evidence');
    },
  );
  await rs.close();
  return us;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const medians = (runs) => ({
  wall: median(runs.map((r) => r.wall)),
  cpu: median(runs.map((r) => r.cpu)),
});
/** Each row: how it is timed, on which server, over which requests. */
const ROWS = {
  warm: { path: warmPath, serve: server, list: warm },
  rar: { path: rarPath, serve: server, list: rar },
  cold: { path: coldPath, serve: server, list: cold },
  signed: { path: signedPath, serve: signedServer, list: signed },
};
const NAMES = Object.keys(ROWS);
const results = Object.fromEntries(NAMES.map((name) => [name, []]));
const pairs = Object.fromEntries(NAMES.map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, { path, serve, list }] of Object.entries(ROWS))
    results[name].push(await path(serve(), list, pairs[name]));
}
// What each request leaves for the garbage collector: the V8 heap's allocations per request
// over the first ALLOC_N requests of each row, sampled (every 512 bytes on average) with the
// objects already collected included, untimed. The priming request counts too, spread over
// ALLOC_N requests (under 0.1 KB each); the server's set-up (its replay stores filled) does not.
const ALLOC_N = Math.min(N, 5_000);
async function allocated({ path, serve, list }) {
  const rs = serve();
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 512,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await path(rs, list.slice(0, ALLOC_N));
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  let bytes = 0;
  const walk = (node) => {
    bytes += node.selfSize;
    node.children.forEach(walk);
  };
  walk(profile.head);
  return bytes / ALLOC_N;
}
const allocations = {};
for (const name of NAMES) allocations[name] = await allocated(ROWS[name]);
const kb = (path) => (allocations[path] / 1000).toFixed(1);

// Each row against the floor chunks measured next to its own chunks: the median of the chunk
// pairs' ratios (wall and CPU), and the floor as the median of all floor chunks.
const ratios = (name) => ({
  wall: median(pairs[name].map((p) => p.row.wall / p.floor.wall)),
  cpu: median(pairs[name].map((p) => p.row.cpu / p.floor.cpu)),
});
const fm = medians(Object.values(pairs).flatMap((list) => list.map((p) => p.floor)));
const f = fm.wall;
const rss = Math.round(process.memoryUsage().rss / 1048576);
console.log(
  `\nnode ${process.version}, ${N} requests x ${ROUNDS} rounds (median), RSS ${rss} MiB, ` +
    `${new Date().toISOString()}, load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after\n`,
);
console.log(
  `ratios: the median over ${pairs.warm.length} chunk pairs (${Math.ceil(N / CHUNKS)} requests each) of a row's chunk against the floor chunk timed just before it\n`,
);
console.log(
  '| path | µs/op | ops/s | vs floor | CPU µs/op | CPU vs floor | KB allocated/op | target (wall) |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---|');
console.log(
  `| ES256 crypto.verify floor | ${f.toFixed(1)} | ${Math.round(1e6 / f)} | 1.00x | ${fm.cpu.toFixed(1)} | 1.00x | | |`,
);
const TARGETS = {
  warm: [1.3, '<= 1.30x floor'],
  rar: [1.3, '<= 1.30x floor'],
  cold: [2.6, '<= 1.30x two verifications (2.60x floor)'],
  signed: [2.6, '<= 1.30x two verifications (2.60x floor)'],
};
const LABELS = {
  warm: 'verify, DPoP, token cached (warm)',
  rar: 'verify, DPoP, token cached, one authorization details requirement (warm RAR)',
  cold: 'verify, DPoP, new token (cold)',
  signed: 'verify, DPoP + signed request, token cached',
};
for (const name of NAMES) {
  const m = { ...medians(results[name]), ratio: ratios(name) };
  const [limit, target] = TARGETS[name];
  console.log(
    `| ${LABELS[name]} | ${m.wall.toFixed(1)} | ${Math.round(1e6 / m.wall)} | ${m.ratio.wall.toFixed(2)}x | ${m.cpu.toFixed(1)} | ${m.ratio.cpu.toFixed(2)}x | ${kb(name)} | ${target}: ${m.ratio.wall <= limit ? 'met' : 'MISSED'} |`,
  );
}
