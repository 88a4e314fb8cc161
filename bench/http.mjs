// HTTP benchmark over loopback: req/s and p99 for plain Express, fapi-guard on Express, Koa and
// Nest (Express and Fastify platforms), and the peer express-oauth2-jwt-bearer with DPoP
// required. Every request carries its own pre-generated DPoP proof (iat = now, unique jti).
// Each server runs in its own process; autocannon runs here. Bounded: BENCH_SECONDS per server.
//
// Run after `npm run build`: `node bench/http.mjs` (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_ONLY).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import autocannon from 'autocannon';
import {
  createDpopKey,
  createTestAuthority,
  dpopProof,
  startJwksServer,
} from '../packages/testing/dist/index.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PORT = Number(process.env.BENCH_PORT ?? 39123);
const ISSUER = 'https://as.bench.test';
const AUDIENCE = 'https://api.bench.test';
const URL_ = `http://127.0.0.1:${PORT}/accounts`;
const POOL = Number(process.env.BENCH_POOL ?? 16_000) * SECONDS;

const servers = [
  { name: 'plain Express (no auth)', script: 'plain-express.mjs' },
  { name: 'Express + fapi-guard (DPoP)', script: 'express-fapi.mjs' },
  { name: 'Koa + fapi-guard (DPoP)', script: 'koa-fapi.mjs' },
  {
    name: 'Nest (Express) + fapi-guard (DPoP)',
    script: 'nest-fapi.mjs',
    env: { PLATFORM: 'express' },
  },
  {
    name: 'Nest (Fastify) + fapi-guard (DPoP)',
    script: 'nest-fapi.mjs',
    env: { PLATFORM: 'fastify' },
  },
  { name: 'express-oauth2-jwt-bearer (DPoP, peer)', script: 'peer-auth0.mjs' },
].filter((s) => !process.env.BENCH_ONLY || s.script.includes(process.env.BENCH_ONLY));

const authority = await createTestAuthority({
  issuer: ISSUER,
  audience: AUDIENCE,
  algorithms: ['ES256'],
});
const jwks = await startJwksServer(authority);
const dpopKey = await createDpopKey('ES256');
const now = () => Math.floor(Date.now() / 1000);
const token = await authority.mintAccessToken({
  now: now(),
  expiresIn: 3600,
  scope: 'accounts',
  cnf: { jkt: dpopKey.jkt },
});

async function proofs(count) {
  const iat = now();
  const list = new Array(count);
  for (let i = 0; i < count; i += 1) {
    list[i] = await dpopProof({
      key: dpopKey,
      htm: 'GET',
      htu: URL_,
      accessToken: token,
      iat,
      jti: `b${iat}-${i}`,
    });
  }
  return list;
}

async function start(server) {
  const child = spawn(
    process.execPath,
    [new URL(`servers/${server.script}`, import.meta.url).pathname],
    {
      env: {
        ...process.env,
        ...server.env,
        PORT: String(PORT),
        ISSUER,
        AUDIENCE,
        JWKS_URI: jwks.url,
        NODE_ENV: 'production',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const deadline = Date.now() + 15_000;
  while (!out.includes('ready')) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`${server.name} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}

async function run(server) {
  const child = await start(server);
  try {
    const pool = await proofs(POOL);
    let next = 0;
    const headers = (i) => ({ authorization: `DPoP ${token}`, dpop: pool[i % pool.length] });
    // One sanity request: the server must answer 200 before it is measured.
    const check = await fetch(URL_, { headers: headers(next++) });
    if (check.status !== 200)
      throw new Error(`${server.name}: sanity request got ${check.status} ${await check.text()}`);
    const result = await autocannon({
      url: URL_,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, headers: headers(next++) }) }],
    });
    return {
      name: server.name,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      sent: next,
      pool: pool.length,
    };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

const rows = [];
for (const server of servers) {
  process.stdout.write(`${server.name}... `);
  const row = await run(server);
  rows.push(row);
  console.log(`${Math.round(row.rps)} req/s`);
}
await jwks.close();

const by = (fragment) => rows.find((r) => r.name.includes(fragment));
console.log(
  `\nnode ${process.version}, ${CONNECTIONS} connections, ${SECONDS} s per server, loopback, 2 cores shared by client and server\n`,
);
console.log('| server | req/s | p50 ms | p99 ms | non-2xx | errors |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} |`,
  );
  if (r.sent > r.pool)
    console.log(
      `|  (pool of ${r.pool} proofs reused: ${r.sent} sent; replays explain non-2xx) | | | | | |`,
    );
}
const ours = by('Express + fapi-guard');
const peer = by('peer');
const nestExpress = by('Nest (Express)');
const nestFastify = by('Nest (Fastify)');
if (ours && peer)
  console.log(
    `\nExpress + fapi-guard vs peer: ${(ours.rps / peer.rps).toFixed(2)}x req/s (target >= 2.5x)`,
  );
if (ours && nestExpress)
  console.log(
    `Nest (Express) vs Express + fapi-guard: ${((nestExpress.rps / ours.rps - 1) * 100).toFixed(1)}% (target within -15%)`,
  );
if (ours && nestFastify)
  console.log(
    `Nest (Fastify) vs Express + fapi-guard: ${((nestFastify.rps / ours.rps - 1) * 100).toFixed(1)}%`,
  );
