/**
 * The client side of response signatures (FAPI 2.0 HTTP Signatures §5.3.2.2): a signed
 * response is checked against the request it answers, as that request was sent: the tag,
 * `@status`, the body digest, the `;req` binding to the request (and to its signature), the
 * time window, the resource server's key and the signature.
 */
import type { JsonWebKey } from 'node:crypto';
import type { InnerList, Item } from 'structured-headers';
import { importPublicKey, keyFits, selectAlgorithm, verifySignature } from './algorithms.js';
import type { SignatureAlgorithm } from './algorithms.js';
import { ComponentError, signatureBaseOf } from './components.js';
import { checkContentDigest } from './content-digest.js';
import {
  normalizeHeaders,
  parsedUrl,
  type ResponseLike,
  type SignedRequestLike,
} from './message.js';
import { resolveVerificationOptions, type VerificationOptions } from './options.js';
import {
  checkSignatureTime,
  FieldError,
  selectTaggedSignature,
  stringParameter,
} from './signature-fields.js';
import { FAPI_RESPONSE_TAG } from './sign-response.js';
import { FAPI_REQUEST_TAG } from './verify-request.js';

/**
 * The rule a response signature breaks, in the order they are checked.
 *
 * @example
 * if (error instanceof ResponseSignatureError && error.rule === 'digest') refetch();
 */
export type ResponseSignatureRule =
  | 'missing'
  | 'malformed'
  | 'tag'
  | 'created'
  | 'expired'
  | 'components'
  | 'digest'
  | 'key'
  | 'alg'
  | 'invalid';

/**
 * Why {@link verifyResponse} refused a response: `rule` names the check, the message says
 * what failed (never a key, a signature value or the signature base).
 *
 * @example
 * try { await verifyResponse(options); } catch (e) { if (e instanceof ResponseSignatureError) log(e.rule); }
 */
export class ResponseSignatureError extends Error {
  override readonly name = 'ResponseSignatureError';
  constructor(
    readonly rule: ResponseSignatureRule,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`response signature (${rule}): ${message}`, options);
  }
}

/**
 * What {@link verifyResponse} checks: the response as received, the request as sent, and the
 * resource server's public key (a JWK, or a resolver by `keyid` over its published JWKS).
 *
 * @example
 * await verifyResponse({ response, request, key: rsJwk, clock: () => Date.now() });
 */
export interface VerifyResponseOptions extends VerificationOptions {
  /** Status, headers and the exact body bytes received. */
  response: ResponseLike;
  /** The request as sent: method, `@target-uri`, headers (its `Signature`/`Signature-Input`). */
  request: SignedRequestLike;
  /** A public JWK, or the public JWK a `keyid` names (undefined when unknown). */
  key: JsonWebKey | ((keyId: string) => JsonWebKey | undefined | Promise<JsonWebKey | undefined>);
}

/**
 * A verified response signature.
 *
 * @example
 * archive({ keyId: verified.keyId, created: verified.created, components: verified.components });
 */
export interface VerifiedResponse {
  readonly label: string;
  readonly keyId: string;
  /** `created`, in seconds since the epoch. */
  readonly created: number;
  /** The covered component identifiers, serialized (`"@status"`, `"@method";req`). */
  readonly components: readonly string[];
  readonly algorithm: SignatureAlgorithm;
}

const KNOWN_KEYS = [
  'response',
  'request',
  'key',
  'maxAgeSeconds',
  'clockToleranceSeconds',
  'algorithms',
  'clock',
];

function refuse(rule: ResponseSignatureRule, message: string, cause?: unknown): never {
  throw new ResponseSignatureError(rule, message, cause === undefined ? undefined : { cause });
}

function fields<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof FieldError) refuse(error.rule, error.message, error);
    throw error;
  }
}

/** Whether `input` covers `name` with exactly these `req` and `key` parameters. */
function covers(input: InnerList, name: string, req: boolean, key?: string): boolean {
  return input[0].some(
    ([component, params]: Item) =>
      component === name &&
      params.get('req') === (req ? true : undefined) &&
      params.get('key') === key &&
      !params.has('sf'),
  );
}

/** The profile's coverage of a response (§5.3.2.1), for a request `signedAs` its label. */
function checkCoverage(input: InnerList, body: boolean, requestDigest: boolean, signedAs?: string) {
  const rules: Array<[string, boolean, string?]> = [
    ['@status', false],
    ['@method', true],
    ['@target-uri', true],
  ];
  if (body) rules.push(['content-digest', false]);
  if (requestDigest) rules.push(['content-digest', true]);
  if (signedAs !== undefined) rules.push(['signature', true, signedAs]);
  if (signedAs !== undefined) rules.push(['signature-input', true, signedAs]);
  for (const [name, req, key] of rules) {
    if (!covers(input, name, req, key)) {
      const parameters = `${req ? ';req' : ''}${key === undefined ? '' : `;key="${key}"`}`;
      refuse('components', `"${name}"${parameters} is not covered`);
    }
  }
}

async function resolveKey(key: VerifyResponseOptions['key'], keyId: string | undefined) {
  if (keyId === undefined) refuse('key', 'no keyid');
  const jwk = typeof key === 'function' ? await key(keyId) : key;
  if (jwk === undefined || jwk === null) refuse('key', 'no key has this keyid');
  if (typeof jwk !== 'object' || 'd' in jwk) throw new TypeError('key: must be a public JWK');
  if (typeof jwk.kid === 'string' && jwk.kid !== keyId) refuse('key', 'keyid is not the kid');
  return jwk;
}

/** The label of the request's FAPI signature, or undefined when it was not signed. */
function requestLabel(request: SignedRequestLike, headers: ReturnType<typeof normalizeHeaders>) {
  if (!headers.has('signature-input') && !headers.has('signature')) return undefined;
  try {
    return selectTaggedSignature(headers, FAPI_REQUEST_TAG).label;
  } catch (error) {
    throw new TypeError(`request: its signature cannot be read (${request.method})`, {
      cause: error,
    });
  }
}

/**
 * Verifies a response signature as a FAPI client (FAPI 2.0 HTTP Signatures §5.3.2.2, RFC 9421
 * §3.2): a signature tagged `fapi-2-response`; `@status` covered; `content-digest` covered and
 * equal to the digest of the body when the body is not empty; the request's `@method`,
 * `@target-uri` (and `content-digest` when it had one) with `;req`, and, when the request was
 * signed, its `signature` and `signature-input` with `;req;key=<label>`, so a response to
 * another request (or to the same request signed anew) never verifies; `created` within
 * `maxAgeSeconds` (default 60) and not ahead by more than `clockToleranceSeconds`; `expires`
 * not passed; the algorithm from the key (never HMAC) and the signature. It does NOT check the
 * response's content or fetch the resource server's JWKS: pass a key or a resolver over it.
 *
 * Resolves the evidence; rejects with a {@link ResponseSignatureError} naming the broken rule,
 * or a TypeError for a call mistake (an unknown option, a private key).
 *
 * @example
 * const sent = { method: 'POST', url: 'https://api.bank.example/payments', headers, rawBody };
 * const res = await fetch(sent.url, { method: 'POST', headers, body: rawBody });
 * const verified = await verifyResponse({
 *   request: sent,
 *   response: { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) },
 *   key: (keyId) => rsJwks.keys.find((jwk) => jwk.kid === keyId),
 * });
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-2.4
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-3.2
 */
export async function verifyResponse(options: VerifyResponseOptions): Promise<VerifiedResponse> {
  const resolved = resolveVerificationOptions('verifyResponse', options, KNOWN_KEYS);
  const { response, request } = options;
  if (!Number.isInteger(response?.status)) throw new TypeError('response.status: an integer');
  if (typeof request?.method !== 'string') throw new TypeError('request.method: a string');
  if (typeof options.key !== 'function' && typeof options.key !== 'object') {
    throw new TypeError('key: a public JWK or a function of the keyid');
  }
  const headers = normalizeHeaders(response.headers);
  const requestHeaders = normalizeHeaders(request.headers);
  const signedAs = requestLabel(request, requestHeaders);
  if (!headers.has('signature-input') || !headers.has('signature')) {
    refuse('missing', 'no Signature or Signature-Input header');
  }
  const { label, input, bytes, components, signatureParams } = fields(() =>
    selectTaggedSignature(headers, FAPI_RESPONSE_TAG),
  );
  const { created } = fields(() =>
    checkSignatureTime(input, {
      nowS: Math.floor(resolved.clock() / 1000),
      maxAgeS: resolved.maxAgeS,
      clockToleranceS: resolved.clockToleranceS,
    }),
  );
  const body = response.body ?? new Uint8Array(0);
  checkCoverage(input, body.byteLength > 0, requestHeaders.has('content-digest'), signedAs);
  if (body.byteLength > 0 || covers(input, 'content-digest', false)) {
    const digest = headers.get('content-digest');
    if (digest === undefined || !checkContentDigest(digest.join(', '), body)) {
      refuse('digest', 'Content-Digest is missing, unsupported or not the digest of the body');
    }
  }
  const keyId = fields(() => stringParameter(input, 'keyid'));
  const jwk = await resolveKey(options.key, keyId);
  const algorithm = selectAlgorithm(input[1].get('alg'), jwk, resolved.algorithms);
  const publicKey = importPublicKey(jwk);
  if (algorithm === undefined || publicKey === undefined || !keyFits(algorithm, publicKey)) {
    refuse('alg', 'the algorithm is not allowed or does not fit the key');
  }
  let base: string;
  try {
    const url = parsedUrl(request.url);
    const related = { headers: requestHeaders, method: request.method, url };
    const message = { headers, status: response.status };
    base = signatureBaseOf(input, components, signatureParams, message, related);
  } catch (error) {
    if (!(error instanceof ComponentError)) throw error;
    refuse(error.reason === 'missing' ? 'components' : 'malformed', error.message, error);
  }
  if (!verifySignature(algorithm, publicKey, base, bytes)) {
    refuse('invalid', 'the signature does not verify');
  }
  return Object.freeze({
    label,
    keyId: keyId as string,
    created,
    components: Object.freeze([...components]),
    algorithm,
  });
}
