/**
 * Non-repudiation end to end (HTTP message signatures, RFC 9421), against the real dev AS and
 * the compiled API, with tokens from the real client flow: payments signed with the client's
 * registered key are accepted (DPoP and mTLS) and answered with a response signature that
 * verifies with the key of the API's `jwks_uri`; a changed body, another client's key and a
 * stale `created` are refused with their codes; the verified signature is stored with the
 * payment and returned by its GET, on embedded PGlite and on PostgreSQL.
 */
import { createPublicKey, randomUUID, type JsonWebKey } from 'node:crypto';
import pg from 'pg';
import { DEMO_ACCOUNTS } from '../src/store/demo-data.js';
import { ApiClient, type Exchange, type RequestSigner } from '../src/walkthrough/api-client.js';
import { verifyResponseSignature } from '../src/walkthrough/response-signature.js';
import { STALE_SIGNATURE_AGE_MS, signatureCode } from '../src/walkthrough/signature-steps.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { demoBank } from './support/demo-bank.js';
import type { SpawnedApi } from './support/servers.js';
import {
  CA,
  DPOP_SIGNER,
  MTLS_SIGNER,
  body,
  fixtures,
  payment,
  settledAuditLines,
  type DpopSession,
} from './support/sessions.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
// `api` on embedded PGlite, `postgres` on the database made above.
const bank = demoBank({ postgres: () => ({ DATABASE_URL: database.url }) });
// Registered after demoBank's afterAll, so it runs once the API processes have stopped.
afterAll(async () => {
  await database?.drop();
});

const dpop = (api: SpawnedApi) => bank.dpopSession('alice', { target: api });
const mtls = async (api: SpawnedApi) => (await bank.mtlsSession('alice', { target: api })).client;

function pay(client: ApiClient, api: SpawnedApi, options: { signer?: RequestSigner } = {}) {
  return client.call('POST', `${api.url}/domestic-payments`, {
    body: payment(DEMO_ACCOUNTS.aliceCurrent, '5.00'),
    headers: { 'x-idempotency-key': randomUUID() },
    ...options,
  });
}

async function apiJwks(client: ApiClient, api: SpawnedApi): Promise<{ keys: JsonWebKey[] }> {
  const metadata = await client.send({
    method: 'GET',
    url: `${api.url}/.well-known/oauth-protected-resource`,
    headers: {},
  });
  const jwks = await client.send({ method: 'GET', url: body(metadata).jwks_uri, headers: {} });
  return body(jwks) as { keys: JsonWebKey[] };
}

/** The request's own `Signature-Input` member and signature bytes, as the API must keep them. */
function sentSignature(exchange: Exchange) {
  const input = exchange.request.headers['signature-input']!;
  const signature = exchange.request.headers['signature']!;
  return {
    signatureInput: input.replace(/^sig1=/, ''),
    signature: /^sig1=:([^:]+):$/.exec(signature)?.[1],
  };
}

/** A 401 refusal of the request signature: its code, the DPoP challenge, nothing signed. */
function expectSignatureRefused(exchange: Exchange, code: string, scheme = 'DPoP'): void {
  expect({ status: exchange.response.status, code: signatureCode(exchange) }).toEqual({
    status: 401,
    code,
  });
  expect(body(exchange).error).toBe('unauthorized');
  expect(exchange.response.headers['www-authenticate']).toMatch(new RegExp(`^${scheme} `));
  // The guard's own refusals are never signed (no signing oracle for unauthenticated callers).
  expect(exchange.response.headers['signature']).toBeUndefined();
  expect(exchange.response.headers['signature-input']).toBeUndefined();
}

describe('the API publishes its response-signing key', () => {
  it('metadata has jwks_uri and resource_signing_alg_values_supported; the JWKS holds the public key only', async () => {
    const client = bank.bareClient();
    const pglite = bank.api;
    const metadata = await client.send({
      method: 'GET',
      url: `${pglite.url}/.well-known/oauth-protected-resource`,
      headers: {},
    });
    expect(body(metadata)).toMatchObject({
      jwks_uri: `${pglite.url}/jwks`,
      resource_signing_alg_values_supported: ['ES256'],
    });
    const { keys } = await apiJwks(client, pglite);
    const devKey = fixtures.apiResponseSigningJwk as JsonWebKey & { kid: string };
    const expected = createPublicKey({ key: devKey, format: 'jwk' }).export({ format: 'jwk' });
    expect(keys).toEqual([{ ...expected, kid: devKey.kid, alg: 'ecdsa-p256-sha256', use: 'sig' }]);
    expect(keys[0]).not.toHaveProperty('d');
  });
});

describe.each([
  ['embedded PGlite', () => bank.api],
  ['PostgreSQL', () => bank.others.postgres],
])('signed payments, API on %s', (_name, target) => {
  it('DPoP: a signed payment is accepted (201), its answer signed and bound to the request; the GET returns the evidence', async () => {
    const api = target();
    const { client } = await dpop(api);
    const jwks = await apiJwks(client, api);
    const created = await pay(client, api);
    expect(created.response.status).toBe(201);
    expect(await verifyResponseSignature(created, jwks)).toMatchObject({
      ok: true,
      components: expect.arrayContaining(['"signature";req;key="sig1"', '"content-digest";req']),
    });
    const evidence = body(created).data.requestSignature;
    expect(evidence).toEqual({
      label: 'sig1',
      keyId: DPOP_SIGNER.keyId,
      created: expect.any(Number),
      components: ['"@method"', '"@target-uri"', '"authorization"', '"dpop"', '"content-digest"'],
      ...sentSignature(created),
    });
    const read = await client.call(
      'GET',
      `${api.url}/domestic-payments/${body(created).data.paymentId}`,
    );
    expect(read.response.status).toBe(200);
    expect((await verifyResponseSignature(read, jwks)).ok).toBe(true);
    expect(body(read).data.requestSignature).toEqual(evidence);
  });

  it('mTLS: a payment signed with the key registered beside the certificate is accepted, its answer signed', async () => {
    const api = target();
    const client = await mtls(api);
    const jwks = await apiJwks(client, api);
    const created = await pay(client, api);
    expect(created.response.status).toBe(201);
    expect((await verifyResponseSignature(created, jwks)).ok).toBe(true);
    expect(body(created).data.requestSignature).toMatchObject({
      keyId: MTLS_SIGNER.keyId,
      components: ['"@method"', '"@target-uri"', '"authorization"', '"content-digest"'],
      ...sentSignature(created),
    });
  });
});

describe('forged signatures are refused (401) with their codes and audited', () => {
  let pglite: SpawnedApi;
  let session: DpopSession;
  beforeAll(async () => {
    pglite = bank.api;
    session = await dpop(pglite);
  });
  const url = () => `${pglite.url}/domestic-payments`;
  const auditCode = async (exchange: Exchange) =>
    (await settledAuditLines(pglite))
      .filter((line) => line.interactionId === exchange.response.headers['x-fapi-interaction-id'])
      .map((line) => line.code)
      .filter(Boolean);

  it('a payment without a signature: ERR_FAPI_SIGNATURE_MISSING', async () => {
    const { token, dpopKey } = session;
    const unsigned = new ApiClient({ accessToken: token.accessToken, dpopKey, ca: CA });
    try {
      const answer = await pay(unsigned, pglite);
      expect(answer.request.headers['signature']).toBeUndefined();
      expectSignatureRefused(answer, 'ERR_FAPI_SIGNATURE_MISSING');
    } finally {
      await unsigned.close();
    }
  });

  it('the body changed after signing: ERR_FAPI_SIGNATURE_DIGEST', async () => {
    const signed = await session.client.prepare('POST', url(), {
      body: payment(DEMO_ACCOUNTS.aliceCurrent, '5.00'),
      headers: { 'x-idempotency-key': randomUUID() },
    });
    const answer = await session.client.send({
      ...signed,
      body: signed.body!.replace('"amount":"5.00"', '"amount":"25.00"'),
    });
    expectSignatureRefused(answer, 'ERR_FAPI_SIGNATURE_DIGEST');
    expect(await auditCode(answer)).toEqual(['ERR_FAPI_SIGNATURE_DIGEST']);
  });

  it("a signature by another client's registered key: ERR_FAPI_SIGNATURE_KEY", async () => {
    const answer = await pay(session.client, pglite, { signer: MTLS_SIGNER });
    expectSignatureRefused(answer, 'ERR_FAPI_SIGNATURE_KEY');
    // And the other way round: the mTLS client's token with the DPoP client's key.
    const other = await pay(await mtls(pglite), pglite, { signer: DPOP_SIGNER });
    expectSignatureRefused(other, 'ERR_FAPI_SIGNATURE_KEY', 'Bearer');
  });

  it('a stale created: ERR_FAPI_SIGNATURE_CREATED', async () => {
    const answer = await pay(session.client, pglite, {
      signer: { ...DPOP_SIGNER, now: () => Date.now() - STALE_SIGNATURE_AGE_MS },
    });
    expectSignatureRefused(answer, 'ERR_FAPI_SIGNATURE_CREATED');
    expect(await auditCode(answer)).toEqual(['ERR_FAPI_SIGNATURE_CREATED']);
  });
});

describe('the evidence in PostgreSQL', () => {
  it('is the payments row request_signature (jsonb), equal to what the GET returns', async () => {
    const postgres = bank.others.postgres;
    const { client } = await dpop(postgres);
    const created = await pay(client, postgres);
    expect(created.response.status).toBe(201);
    const { paymentId } = body(created).data;
    const sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    try {
      const { rows } = await sql.query(
        'SELECT request_signature FROM payments WHERE payment_id = $1',
        [paymentId],
      );
      expect(rows).toEqual([{ request_signature: body(created).data.requestSignature }]);
    } finally {
      await sql.end();
    }
  });
});
