/**
 * The walkthrough's HTTP message signature steps (RFC 9421, FAPI 2.0 HTTP Signatures): the
 * client signs its payments with its private_key_jwt key, checks every payment answer's
 * signature with the key the API publishes (its metadata's `jwks_uri`), prints the evidence the
 * API keeps, and three forged requests are refused.
 */
import type { JsonWebKey } from 'node:crypto';
import { ERROR_CODES, type FapiErrorCode } from '@fapi-guard/core';
import type { DevFixtures } from '../../../auth-server/dist/fixtures.js';
import type { RequestSignatureRecord } from '../store/banking.model.js';
import type { ApiClient, Exchange, RequestSigner } from './api-client.js';
import type { Printer } from './printer.js';
import { verifyResponseSignature } from './response-signature.js';
import type { AttackOutcome } from './walkthrough.js';

/** How stale the `created` of the stale-signature attack is: five minutes (the API allows 60 s). */
export const STALE_SIGNATURE_AGE_MS = 5 * 60 * 1000;

/** The request-signing key of a demo client: the key registered in its jwks. */
export function signerOf(jwk: JsonWebKey & { kid?: string }): RequestSigner {
  if (typeof jwk.kid !== 'string') throw new TypeError('the signing key has no kid');
  return { key: jwk, keyId: jwk.kid, algorithm: 'ecdsa-p256-sha256' };
}

/** The code of a signature refusal, from the description the API answered with. */
export function signatureCode(exchange: Exchange): FapiErrorCode | undefined {
  const body = exchange.response.body as { error_description?: unknown } | undefined;
  const entry = Object.entries(ERROR_CODES).find(
    ([code, value]) =>
      code.startsWith('ERR_FAPI_SIGNATURE_') && value.description === body?.error_description,
  );
  return entry?.[0] as FapiErrorCode | undefined;
}

export interface SignatureStepsContext {
  print: Printer;
  expect: (ok: boolean, text: string, failure?: string) => boolean;
  client: ApiClient;
  api: string;
}

/** The API's response-signing keys: its RFC 9728 metadata names the JWKS (`jwks_uri`). */
export async function fetchApiJwks(ctx: SignatureStepsContext): Promise<{ keys: JsonWebKey[] }> {
  const metadata = await ctx.client.send({
    method: 'GET',
    url: `${ctx.api}/.well-known/oauth-protected-resource`,
    headers: {},
  });
  const jwksUri = (metadata.response.body as { jwks_uri?: unknown }).jwks_uri;
  const algs = (metadata.response.body as { resource_signing_alg_values_supported?: unknown })
    .resource_signing_alg_values_supported;
  if (typeof jwksUri !== 'string') return { keys: [] };
  const jwks = await ctx.client.send({ method: 'GET', url: jwksUri, headers: {} });
  const keys = ((jwks.response.body as { keys?: JsonWebKey[] }).keys ?? []).filter(Boolean);
  ctx.print.note(
    `the API's metadata: jwks_uri ${jwksUri}, resource_signing_alg_values_supported ${JSON.stringify(algs)}`,
  );
  ctx.print.note(
    `its response key: ${keys.map((k) => `kid ${(k as { kid?: string }).kid} (${k.alg})`).join(', ')}`,
  );
  return { keys };
}

/** Checks and prints the response signature of a payment answer. */
export async function checkSignedAnswer(
  ctx: SignatureStepsContext,
  exchange: Exchange,
  jwks: { keys: JsonWebKey[] },
): Promise<boolean> {
  const check = await verifyResponseSignature(exchange, jwks);
  const bound = check.components?.some((c) => c.startsWith('"signature";req'))
    ? ', bound to our signed request (its signature covered ;req)'
    : '';
  return ctx.expect(
    check.ok,
    `response signature verified with the API's key ${check.keyId ?? '?'}: covers ` +
      `${check.components?.join(' ') ?? '?'}${bound}`,
    `payment answer not verified: ${check.reason ?? '?'}`,
  );
}

/** The evidence the API stored with a payment, as its GET returns it. */
export function printEvidence(ctx: SignatureStepsContext, exchange: Exchange): boolean {
  const evidence = (
    exchange.response.body as { data?: { requestSignature?: RequestSignatureRecord } }
  ).data?.requestSignature;
  if (evidence) {
    ctx.print.note(`evidence kept with the payment (for disputes): label ${evidence.label}`);
    ctx.print.note(
      `  keyid ${evidence.keyId} (${new Date(evidence.created * 1000).toISOString()})`,
    );
    ctx.print.note(`  covers ${evidence.components.join(' ')}`);
    ctx.print.note(`  signature-input ${evidence.signatureInput}`);
    ctx.print.note(`  signature ${evidence.signature.slice(0, 40)}…`);
  }
  return ctx.expect(
    evidence !== undefined,
    'the payment record keeps the request signature: label, keyid, created, components, input, signature',
    'the payment has no request signature',
  );
}

export interface SignatureAttacksContext extends SignatureStepsContext {
  fixtures: DevFixtures;
  debtorAccountId: string;
  currency: string;
  creditor: { name: string; iban: string };
  /** The number of the first step printed. */
  first: number;
  attacks: AttackOutcome[];
}

/** Three forged payment requests, each refused with 401 and its signature code. */
export async function runSignatureAttacks(ctx: SignatureAttacksContext): Promise<void> {
  const { print, client, api } = ctx;
  const url = `${api}/domestic-payments`;
  const payment = (amount: string) => ({
    body: {
      debtorAccountId: ctx.debtorAccountId,
      instructedAmount: { amount, currency: ctx.currency },
      creditorAccount: ctx.creditor,
      reference: 'Dinner',
    },
    headers: { 'x-idempotency-key': crypto.randomUUID() },
  });
  const attack = async (
    step: number,
    name: string,
    title: string,
    explanation: string,
    forge: () => Promise<Exchange>,
    code: FapiErrorCode,
  ): Promise<void> => {
    print.heading(`${step}. Attack: ${title}`);
    print.note(print.dim(explanation));
    const exchange = await forge();
    print.exchange(exchange);
    const actual = { status: exchange.response.status, error: signatureCode(exchange) };
    const refused = actual.status === 401 && actual.error === code;
    ctx.attacks.push({ name, expected: { status: 401, error: code }, actual, refused });
    ctx.expect(
      refused,
      `refused: ${actual.status} ${actual.error ?? ''}`.trim(),
      `${name}: expected 401 ${code}, got ${actual.status} ${actual.error ?? ''}`,
    );
  };

  await attack(
    ctx.first,
    'body changed after signing',
    'change the payment after it was signed',
    'A proxy raises the amount of a signed payment from 5.00 to 25.00; token, proof and signature unchanged.',
    async () => {
      const signed = await client.prepare('POST', url, payment('5.00'));
      const tampered = (signed.body ?? '').replace('"amount":"5.00"', '"amount":"25.00"');
      return client.send({ ...signed, body: tampered });
    },
    'ERR_FAPI_SIGNATURE_DIGEST',
  );
  await attack(
    ctx.first + 1,
    "another client's key",
    "sign with another client's key",
    'The payment is signed with the key registered for mtls-client, under its keyid: a real ' +
      "key, but not the requesting client's (dpop-client, from the token).",
    async () =>
      client.send(
        await client.prepare('POST', url, {
          ...payment('5.00'),
          signer: signerOf(ctx.fixtures.clients.mtls.signingJwk as JsonWebKey),
        }),
      ),
    'ERR_FAPI_SIGNATURE_KEY',
  );
  await attack(
    ctx.first + 2,
    'stale signature',
    'a signature created five minutes ago',
    'A signed payment kept back and sent later: its created parameter is outside the 60 s window.',
    async () =>
      client.send(
        await client.prepare('POST', url, {
          ...payment('5.00'),
          signer: {
            ...signerOf(ctx.fixtures.clients.dpop.privateJwk as JsonWebKey),
            now: () => Date.now() - STALE_SIGNATURE_AGE_MS,
          },
        }),
      ),
    'ERR_FAPI_SIGNATURE_CREATED',
  );
}
