// The least a warm DPoP request and a DPoP + signed request can cost in JavaScript on this
// Node, next to fapi-guard's `verify` of the same requests, interleaved in one process.
// Run after `npm run build`: `node bench/minimal-verify.mjs` (`BENCH_N`, `BENCH_ROUNDS`).
//
// "Minimal" is NOT a verifier: it is a lower bound. It does only the work no implementation
// can skip for these requests (the token cache lookup; the proof split, decoded and verified;
// `htm`, `htu`, `ath`, `iat`, a replay key hashed and stored; for the signed request, the two
// signature fields read with one regular expression each, the body digest, the signature base,
// the second verification and the nonce stored) and assumes everything else: the header names
// are lower case and single, the token is the cached one, the signature fields are in their
// canonical form, the keys are at hand. It has no error model, no evidence, no principal, and
// refuses nothing the requests here do not trigger. What fapi-guard spends above it is the
// price of the checks and the answers it adds; what the minimal row spends above the floor is
// what any implementation would pay here.
import { createPublicKey, hash, verify as cryptoVerify } from 'node:crypto';
import { loadavg } from 'node:os';
import { createResourceServer, memoryReplayStore } from '../packages/core/dist/index.js';
import { createDpopKey, createTestAuthority, dpopProof } from '../packages/testing/dist/index.js';
import { httpSignatures } from '../packages/http-signatures/dist/index.js';
import { receivedHeaders } from './lib/as-received.mjs';
import { signedPayment } from './lib/signed-request.mjs';
import { steadyReplayStore } from './lib/steady-store.mjs';

const N = Number(process.env.BENCH_N ?? 4_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const NOW_S = 1_800_000_000;
const NOW_MS = NOW_S * 1000;
const ACCOUNTS = 'https://api.bank.test/accounts';
const PAYMENTS = 'https://api.bank.test/payments';

const authority = await createTestAuthority({
  issuer: 'https://as.bank.test',
  audience: 'https://api.bank.test',
  algorithms: ['ES256'],
});
const dpopKey = await createDpopKey('ES256');
const signingKey = await createDpopKey('ES256');
const token = await authority.mintAccessToken({ now: NOW_S, cnf: { jkt: dpopKey.jkt } });

process.stdout.write(`making ${N + 1} requests per row... `);
const loadBefore = loadavg()[0];
const warm = [];
const signed = [];
for (let i = 0; i <= N; i += 1) {
  const dpop = await dpopProof({
    key: dpopKey,
    htm: 'GET',
    htu: ACCOUNTS,
    accessToken: token,
    iat: NOW_S,
    jti: `w${i}`,
  });
  const headers = receivedHeaders({ authorization: `DPoP ${token}`, dpop });
  warm.push({ method: 'GET', url: ACCOUNTS, headers });
  signed.push(
    await signedPayment({
      url: PAYMENTS,
      token,
      dpopKey,
      signingKey,
      keyId: 'client-1-k1',
      id: `s${i}`,
      nowS: NOW_S,
    }),
  );
}
console.log('done');

const floorKey = createPublicKey({ key: dpopKey.publicJwk, format: 'jwk' });
const floorInputs = warm.map(({ headers }) => {
  const [h, p, s] = headers.dpop.split('.');
  return [Buffer.from(`${h}.${p}`), Buffer.from(s, 'base64url')];
});
const ES256 = (key) => ({ key, dsaEncoding: 'ieee-p1363' });

// The minimal verifier's state: what it may take as already known for a cached token.
const clientKey = createPublicKey({ key: signingKey.publicJwk, format: 'jwk' });
const cachedToken = { jkt: dpopKey.jkt, ath: hash('sha256', token, 'base64url') };
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const SIGNATURE_INPUT =
  /^([a-z*][*\-_.a-z0-9]*)=\(((?:"[\x20\x21\x23-\x5b\x5d-\x7e]*"(?: "[\x20\x21\x23-\x5b\x5d-\x7e]*")*)?)\)((?:;[a-z*][*\-_.a-z0-9]*(?:=(?:0|[1-9][0-9]{0,14}|"[\x20\x21\x23-\x5b\x5d-\x7e]*"))?)*)$/;
const SIGNATURE = /^([a-z*][*\-_.a-z0-9]*)=:([A-Za-z0-9+/=]+):$/;
const PARAMETER =
  /;([a-z*][*\-_.a-z0-9]*)(?:=(0|[1-9][0-9]{0,14}|"[\x20\x21\x23-\x5b\x5d-\x7e]*"))?/y;

function fail(what) {
  throw new Error(`minimal: ${what}`);
}

/** The proof side: token cache, proof decoded and verified, claims compared, jti stored. */
function minimalDpop(request, state) {
  const { authorization, dpop } = request.headers;
  const presented = authorization.slice(5);
  if (!authorization.startsWith('DPoP ') || !TOKEN68.test(presented)) fail('authorization');
  const bound = state.tokens.get(presented);
  const first = dpop.indexOf('.');
  const second = dpop.indexOf('.', first + 1);
  const proofKey = state.proofHeaders.get(dpop.slice(0, first));
  const payloadText = dpop.slice(first + 1, second);
  if (!bound || !proofKey || !BASE64URL.test(payloadText)) fail('proof');
  const claims = JSON.parse(Buffer.from(payloadText, 'base64url').toString());
  const signature = Buffer.from(dpop.slice(second + 1), 'base64url');
  if (!cryptoVerify('sha256', Buffer.from(dpop.slice(0, second)), ES256(proofKey), signature)) {
    fail('proof signature');
  }
  if (
    claims.htm !== request.method ||
    claims.htu !== request.url ||
    claims.ath !== bound.ath ||
    typeof claims.jti !== 'string' ||
    Math.abs(claims.iat - NOW_S) > 60
  ) {
    fail('proof claims');
  }
  const replayKey = hash('sha256', `${bound.jkt}\n${claims.jti}`, 'base64url');
  if (state.proofs.has(replayKey)) fail('proof replay');
  state.proofs.set(replayKey, NOW_S);
}

/** The signature side: both fields parsed, digest, base, verification, nonce stored. */
function minimalSignature(request, state) {
  const { headers } = request;
  const input = SIGNATURE_INPUT.exec(headers['signature-input']);
  const value = SIGNATURE.exec(headers.signature);
  if (!input || !value || input[1] !== value[1]) fail('signature fields');
  const params = new Map();
  PARAMETER.lastIndex = 0;
  for (let m = PARAMETER.exec(input[3]); m; m = PARAMETER.exec(input[3])) {
    params.set(m[1], m[2] === undefined ? true : m[2][0] === '"' ? m[2].slice(1, -1) : +m[2]);
  }
  if (params.get('tag') !== 'fapi-2-request' || Math.abs(params.get('created') - NOW_S) > 60) {
    fail('signature parameters');
  }
  if (headers['content-digest'] !== `sha-256=:${hash('sha256', request.rawBody, 'base64')}:`) {
    fail('content-digest');
  }
  let base = '';
  for (const name of input[2].slice(1, -1).split('" "')) {
    const component =
      name === '@method' ? request.method : name === '@target-uri' ? request.url : headers[name];
    base += `"${name}": ${component}\n`;
  }
  base += `"@signature-params": ${headers['signature-input'].slice(input[1].length + 1)}`;
  const bytes = Buffer.from(value[2], 'base64');
  if (!cryptoVerify('sha256', Buffer.from(base), ES256(clientKey), bytes)) fail('signature');
  const nonceKey = hash('sha256', `client-1\n${params.get('keyid')}\n${params.get('nonce')}`);
  if (state.nonces.has(nonceKey)) fail('nonce replay');
  state.nonces.set(nonceKey, NOW_S);
}

function minimalState() {
  return {
    tokens: new Map([[token, cachedToken]]),
    proofHeaders: new Map([[warm[0].headers.dpop.split('.')[0], floorKey]]),
    proofs: new Map(),
    nonces: new Map(),
  };
}

function fapiGuard() {
  return createResourceServer({
    issuer: 'https://as.bank.test',
    audience: 'https://api.bank.test',
    jwks: authority.jwks(),
    clock: () => NOW_MS,
    dpop: { replayStore: steadyReplayStore(memoryReplayStore, NOW_MS) },
    tokenCache: { max: 4 * N },
    httpSignatures: httpSignatures({
      resolveClientKey: (clientId, keyId) =>
        clientId === 'client-1' && keyId === 'client-1-k1' ? signingKey.publicJwk : undefined,
      clock: () => NOW_MS,
      replayStore: steadyReplayStore(memoryReplayStore, NOW_MS),
    }),
  });
}

/** CPU µs per request of `each` over requests 1..N (request 0 primes caches, untimed). */
async function timed(list, each) {
  await each(list[0]);
  const start = process.cpuUsage();
  for (let i = 1; i < list.length; i += 1) await each(list[i]);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / N;
}

const SIGNED = { signedRequest: 'required' };
const ROWS = {
  floor: () =>
    timed(floorInputs, ([data, sig]) => {
      if (!cryptoVerify('sha256', data, ES256(floorKey), sig)) fail('floor');
    }),
  'minimal warm DPoP': () => {
    const state = minimalState();
    return timed(warm, (request) => minimalDpop(request, state));
  },
  'fapi-guard warm DPoP': () => {
    const rs = fapiGuard();
    return timed(warm, (request) => rs.verify(request));
  },
  'minimal DPoP + signed request': () => {
    const state = minimalState();
    return timed(signed, (request) => {
      minimalDpop(request, state);
      minimalSignature(request, state);
    });
  },
  'fapi-guard DPoP + signed request': () => {
    const rs = fapiGuard();
    return timed(signed, (request) => rs.verify(request, SIGNED));
  },
};

const names = Object.keys(ROWS);
const results = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) await ROWS[name](); // warm-up
for (let round = 0; round < ROUNDS; round += 1) {
  for (const name of round % 2 === 0 ? names : [...names].reverse()) {
    results[name].push(await ROWS[name]());
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const floor = median(results.floor);
console.log(
  `\nnode ${process.version}, ${N} requests x ${ROUNDS} rounds (median, order alternating), ` +
    `${new Date().toISOString()}, load average ${loadBefore.toFixed(2)} before, ` +
    `${loadavg()[0].toFixed(2)} after\n`,
);
console.log('| row | CPU µs/op | vs floor |');
console.log('|---|---:|---:|');
for (const name of names) {
  const us = median(results[name]);
  console.log(`| ${name} | ${us.toFixed(1)} | ${(us / floor).toFixed(2)}x |`);
}
