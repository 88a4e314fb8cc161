// Interleaved A/B comparison of two builds of core (and http-signatures) in one process, for a
// change to the verifier's hot path on a machine whose speed drifts. Run after `npm run build`.
//
//   node bench/core-ab.mjs --snapshot /tmp/ab/before   # copy today's dist/ of both packages
//   ... change the code, npm run build ...
//   node bench/core-ab.mjs --snapshot /tmp/ab/after
//   node bench/core-ab.mjs /tmp/ab/before /tmp/ab/after [--rounds 8] [--n 3000] [--only warm,signed]
//     [--stores steady|fresh]
//
// Each round runs every path on build A, then on build B (then B, A in the next round, so
// neither always goes first), each with a new resource server, the same pre-made requests, and
// counts the process CPU time per verify. Only the ratio B/A of one round means much; the
// output gives each round's ratio and their median.
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { cpSync, mkdirSync, existsSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createDpopKey, createTestAuthority, dpopProof } from '../packages/testing/dist/index.js';
import { receivedHeaders } from './lib/as-received.mjs';
import { signedPayment } from './lib/signed-request.mjs';
import { steadyReplayStore } from './lib/steady-store.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    snapshot: { type: 'string' },
    rounds: { type: 'string', default: '8' },
    n: { type: 'string', default: '3000' },
    only: { type: 'string', default: 'warm,rar,signed' },
    count: { type: 'string' },
    // `fresh`: a new, empty replay store per server, as before 2026-12-02 18:30 UTC. Less noise
    // (no store of 140 000 entries to set up and collect per measurement) for a change that
    // does not touch the stores; `steady` (the default) is what a running server has.
    stores: { type: 'string', default: 'steady' },
  },
});

if (values.snapshot) {
  const target = resolve(values.snapshot);
  for (const name of ['core', 'http-signatures']) {
    const dir = join(target, 'node_modules', '@fapi-guard', name);
    mkdirSync(dir, { recursive: true });
    cpSync(join(root, 'packages', name, 'dist'), join(dir, 'dist'), { recursive: true });
    cpSync(join(root, 'packages', name, 'package.json'), join(dir, 'package.json'));
  }
  // Third-party imports (jose, structured-headers, …) resolve through the repository's modules.
  const parent = join(dirname(target), 'node_modules');
  if (!existsSync(parent)) symlinkSync(join(root, 'node_modules'), parent);
  console.log(`snapshot of core and http-signatures dist/ in ${target}`);
  process.exit(0);
}
const counting = values.count !== undefined;
if (positionals.length !== (counting ? 1 : 2)) {
  console.error('usage: node bench/core-ab.mjs <build A> <build B> (or --snapshot <dir>)');
  process.exit(2);
}

const N = Number(values.n);
const ROUNDS = Number(values.rounds);
const PATHS = values.only.split(',');
const NOW_S = 1_800_000_000;
const NOW_MS = NOW_S * 1000;
const ACCOUNTS = 'https://api.bank.test/accounts';
const PAYMENTS = 'https://api.bank.test/payments';

async function load(dir) {
  const base = join(resolve(dir), 'node_modules', '@fapi-guard');
  return {
    name: dir,
    core: await import(pathToFileURL(join(base, 'core', 'dist', 'index.js')).href),
    signatures: await import(pathToFileURL(join(base, 'http-signatures', 'dist', 'index.js')).href),
  };
}
const builds = await Promise.all(positionals.map(load));

const authority = await createTestAuthority({
  issuer: 'https://as.bank.test',
  audience: 'https://api.bank.test',
  algorithms: ['ES256'],
});
const dpopKey = await createDpopKey('ES256');
const clientKey = await createDpopKey('ES256'); // the client's request signing key
const mint = (claims) =>
  authority.mintAccessToken({ now: NOW_S, cnf: { jkt: dpopKey.jkt }, claims });
const warmToken = await mint({ jti: 'warm' });
const rarToken = await mint({
  jti: 'rar',
  authorization_details: [
    { type: 'account_access', actions: ['read_balances'], accounts: ['acc-1'] },
    {
      type: 'payment_initiation',
      locations: ['https://api.bank.test'],
      instructedAmount: { currency: 'EUR', amount: '100.00' },
    },
  ],
});
const signedToken = await mint({ jti: 'signed', scope: 'payments' });

async function proofs(token, htm, htu, tag) {
  const list = [];
  for (let i = 0; i <= N; i += 1) {
    list.push(
      await dpopProof({
        key: dpopKey,
        htm,
        htu,
        accessToken: token,
        iat: NOW_S,
        jti: `${tag}${i}`,
      }),
    );
  }
  return list;
}
const getRequest = (token) => (dpop) => ({
  method: 'GET',
  url: ACCOUNTS,
  headers: receivedHeaders({ authorization: `DPoP ${token}`, dpop }),
});
const requests = {};
process.stdout.write(`making ${N + 1} requests per path... `);
if (PATHS.includes('warm'))
  requests.warm = (await proofs(warmToken, 'GET', ACCOUNTS, 'w')).map(getRequest(warmToken));
if (PATHS.includes('rar')) {
  requests.rar = (await proofs(rarToken, 'GET', ACCOUNTS, 'r'))
    .map(getRequest(rarToken))
    .map((request) => ({ ...request, body: { amount: '50.00', currency: 'EUR' } }));
}
if (PATHS.includes('signed')) {
  requests.signed = [];
  for (let i = 0; i <= N; i += 1) {
    requests.signed.push(
      await signedPayment({
        url: PAYMENTS,
        token: signedToken,
        dpopKey,
        signingKey: clientKey,
        keyId: 'client-1-sig',
        id: `s${i}`,
        nowS: NOW_S,
      }),
    );
  }
}
if (PATHS.includes('floor')) {
  // One ES256 verification of each warm proof with an imported key: the floor of core-verify.
  const list =
    requests.warm ?? (await proofs(warmToken, 'GET', ACCOUNTS, 'w')).map(getRequest(warmToken));
  requests.floor = list.map(({ headers }) => {
    const [h, p, sig] = headers.dpop.split('.');
    return [Buffer.from(`${h}.${p}`), Buffer.from(sig, 'base64url')];
  });
}
console.log('done');
const floorKey = createPublicKey({ key: dpopKey.publicJwk, format: 'jwk' });
function floorCheck([data, sig]) {
  if (!cryptoVerify('sha256', data, { key: floorKey, dsaEncoding: 'ieee-p1363' }, sig)) {
    throw new Error('bad floor signature');
  }
}

const REQUIREMENTS = {
  warm: { scopes: ['accounts'] },
  rar: {
    authorizationDetails: {
      type: 'payment_initiation',
      match: (detail, req) =>
        detail.instructedAmount.currency === req.body.currency &&
        Number(req.body.amount) <= Number(detail.instructedAmount.amount),
    },
  },
  signed: { scopes: ['payments'], signedRequest: 'required' },
};

if (values.stores !== 'steady' && values.stores !== 'fresh') {
  console.error('--stores: steady or fresh');
  process.exit(2);
}
const replayStore = (core) =>
  values.stores === 'fresh'
    ? core.memoryReplayStore({ max: 4 * N, clock: () => NOW_MS })
    : steadyReplayStore(core.memoryReplayStore, NOW_MS);

function server({ core, signatures }) {
  return core.createResourceServer({
    issuer: 'https://as.bank.test',
    audience: 'https://api.bank.test',
    jwks: authority.jwks(),
    clock: () => NOW_MS,
    dpop: { replayStore: replayStore(core) },
    tokenCache: { max: 4 * N },
    httpSignatures: signatures.httpSignatures({
      resolveClientKey: (clientId, keyId) =>
        clientId === 'client-1' && keyId === 'client-1-sig' ? clientKey.publicJwk : undefined,
      clock: () => NOW_MS,
      replayStore: replayStore(core),
    }),
  });
}

/** CPU µs per verify of `path` on `build`: the first request (token not cached) untimed. */
async function measure(build, path) {
  if (path === 'floor') {
    const start = process.cpuUsage();
    for (let i = 1; i < requests.floor.length; i += 1) floorCheck(requests.floor[i]);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / N;
  }
  const rs = server(build);
  const list = requests[path];
  const requirements = REQUIREMENTS[path];
  await rs.verify(list[0], requirements);
  const start = process.cpuUsage();
  for (let i = 1; i < list.length; i += 1) await rs.verify(list[i], requirements);
  const used = process.cpuUsage(start);
  await rs.close();
  return (used.user + used.system) / N;
}

if (counting) {
  // `--count K`: K untimed verifies of each path on one build, for valgrind's instruction
  // counts (run twice with two K, subtract: the set-up cancels out).
  const k = Number(values.count);
  for (const path of PATHS) {
    if (path === 'floor') {
      for (let i = 0; i < k; i += 1) floorCheck(requests.floor[i % (N + 1)]);
      continue;
    }
    const rs = server(builds[0]);
    for (let i = 0; i < k; i += 1) await rs.verify(requests[path][i % (N + 1)], REQUIREMENTS[path]);
    await rs.close();
  }
  process.exit(0);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const results = Object.fromEntries(PATHS.map((p) => [p, { a: [], b: [] }]));
for (const build of builds) for (const path of PATHS) await measure(build, path); // warm-up
for (let round = 0; round < ROUNDS; round += 1) {
  const order = round % 2 === 0 ? [0, 1] : [1, 0];
  for (const path of PATHS) {
    for (const which of order)
      results[path][which === 0 ? 'a' : 'b'].push(await measure(builds[which], path));
  }
}
console.log(
  `\nA = ${builds[0].name}\nB = ${builds[1].name}\n${N} verifies x ${ROUNDS} rounds, CPU µs per verify\n`,
);
console.log('| path | A µs (median) | B µs (median) | B/A per round | B/A median |');
console.log('|---|---:|---:|---|---:|');
for (const path of PATHS) {
  const { a, b } = results[path];
  const ratios = a.map((x, i) => b[i] / x);
  console.log(
    `| ${path} | ${median(a).toFixed(1)} | ${median(b).toFixed(1)} | ${ratios.map((r) => r.toFixed(2)).join(' ')} | ${median(ratios).toFixed(3)} |`,
  );
}
