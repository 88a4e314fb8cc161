/**
 * Verification of a signed resource request under the FAPI 2.0 HTTP Signatures profile
 * (RFC 9421 §3.2 plus the profile's rules): the tag, the covered components, the time window,
 * the body digest, the requesting client's key, the signature and the nonce, in that order.
 */
import {
  FapiError,
  type FapiErrorCode,
  type RequestSignatureVerifier as CoreSignatureVerifier,
} from '@fapi-guard/core';
import type { InnerList } from 'structured-headers';
import {
  importClientKey,
  keyFits,
  replayKey,
  selectAlgorithm,
  verifySignature,
  type SignatureAlgorithm,
} from './algorithms.js';
import { ComponentError, signatureBaseOf, type BaseMessage } from './components.js';
import { checkContentDigest } from './content-digest.js';
import {
  hasBody,
  normalizeHeaders,
  parsedUrl,
  type HeaderBag,
  type ResponseLike,
  type SignedRequestLike,
} from './message.js';
import { signResponse } from './sign-response.js';
import {
  checkSignatureTime,
  FieldError,
  selectTaggedSignature,
  stringParameter,
  type FieldRule,
} from './signature-fields.js';
import {
  resolveSignatureOptions,
  type HttpSignatureOptions,
  type ResolvedSignatureOptions,
} from './options.js';

/** The tag a FAPI request signature carries. */
export const FAPI_REQUEST_TAG = 'fapi-2-request';

/**
 * Whether a route needs a signature: `required` refuses an unsigned request, `optional`
 * verifies one when present.
 *
 * @example
 * await verifier.verify(request, { clientId, signedRequest: 'required' });
 */
export type SignedRequestMode = 'required' | 'optional';

/**
 * A verified request signature, the evidence an application keeps (who signed what, when).
 *
 * @example
 * await payments.save({ ...payment, signature: verified.signature, input: verified.signatureInput });
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-4
 */
export interface VerifiedSignature {
  /** The label in `Signature-Input` / `Signature` (`sig1`). */
  readonly label: string;
  readonly keyId: string;
  readonly clientId: string;
  readonly algorithm: SignatureAlgorithm;
  /** `created`, in seconds since the epoch. */
  readonly created: number;
  readonly expires: number | undefined;
  readonly nonce: string | undefined;
  /** The covered component identifiers, serialized (`"@method"`, `"content-digest"`). */
  readonly components: readonly string[];
  /** The `Signature-Input` member of this signature, without the label. */
  readonly signatureInput: string;
  /** The signature bytes, base64. */
  readonly signature: string;
}

/**
 * What a route passes per request: who the client is (from its verified token or certificate)
 * and whether a signature is required.
 *
 * @example
 * verifier.verify(request, { clientId: principal.clientId, signedRequest: 'required' });
 */
export interface VerifySignatureContext {
  clientId: string | undefined;
  signedRequest: SignedRequestMode;
}

/**
 * A verifier of signed requests, made once by {@link httpSignatures}; core's `httpSignatures`
 * option takes it as is.
 *
 * @example
 * const verified = await verifier.verify(request, { clientId, signedRequest: 'required' });
 */
export interface RequestSignatureVerifier extends CoreSignatureVerifier {
  /**
   * Resolves the verified signature, or undefined for an unsigned request in `optional` mode.
   * Rejects with a 401 FapiError (`ERR_FAPI_SIGNATURE_*`), or with a TypeError when a body is
   * announced but `rawBody` was not given (an adapter set-up mistake). It does not check the
   * access token: call it after the token and its binding are verified.
   */
  verify(
    request: SignedRequestLike,
    context: VerifySignatureContext,
  ): Promise<VerifiedSignature | undefined>;
  /**
   * Signs a response as the answer to `request` (see `signResponse`), with the
   * `responseSigning` key; absent when that option is not set.
   */
  signResponse?(
    request: SignedRequestLike,
    requestSignature: Pick<VerifiedSignature, 'label'> | undefined,
    response: ResponseLike,
  ): Record<string, string>;
  /** Closes the replay store it made (not one you passed). */
  close(): Promise<void>;
}

function reject(code: FapiErrorCode, cause?: string): never {
  throw new FapiError(code, cause === undefined ? {} : { cause: new Error(cause) });
}

const FIELD_CODES: Record<FieldRule, FapiErrorCode> = {
  malformed: 'ERR_FAPI_SIGNATURE_MALFORMED',
  tag: 'ERR_FAPI_SIGNATURE_TAG',
  created: 'ERR_FAPI_SIGNATURE_CREATED',
  expired: 'ERR_FAPI_SIGNATURE_EXPIRED',
};

/** The FapiError of a field rule: `code` when given, else the rule's own code. */
function fieldFailure(error: FieldError, code?: FapiErrorCode): FapiError {
  return new FapiError(code ?? FIELD_CODES[error.rule], { cause: error });
}

/** A string parameter; its FieldError becomes `code`, else the FapiError of its rule. */
function parameter(input: InnerList, name: 'keyid' | 'nonce', code?: FapiErrorCode) {
  try {
    return stringParameter(input, name);
  } catch (error) {
    throw error instanceof FieldError ? fieldFailure(error, code) : error;
  }
}

/** The profile's coverage rules (FAPI 2.0 HTTP Signatures §5.3.1.2). */
function checkCoverage(covered: readonly string[], headers: HeaderBag, body: boolean): void {
  if (
    !covered.includes('"@method"') ||
    !covered.includes('"@target-uri"') ||
    !covered.includes('"authorization"') ||
    (headers.has('dpop') && !covered.includes('"dpop"')) ||
    (body && !covered.includes('"content-digest"'))
  ) {
    reject('ERR_FAPI_SIGNATURE_COMPONENTS', 'required component');
  }
}

/** What a resolver or a store may answer: the value, or a promise (any thenable) of it. */
function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

function resolveKey(
  options: ResolvedSignatureOptions,
  clientId: string | undefined,
  keyId: string | undefined,
) {
  if (clientId === undefined || clientId === '' || keyId === undefined) {
    reject('ERR_FAPI_SIGNATURE_KEY', 'no client identity or keyid');
  }
  const resolved = options.resolveClientKey(clientId, keyId);
  return isThenable(resolved)
    ? Promise.resolve(resolved).then(checkClientKey)
    : checkClientKey(resolved);
}

function checkClientKey(jwk: Awaited<ReturnType<ResolvedSignatureOptions['resolveClientKey']>>) {
  if (jwk === undefined || jwk === null) reject('ERR_FAPI_SIGNATURE_KEY', 'unknown key');
  if (typeof jwk !== 'object' || 'd' in jwk) reject('ERR_FAPI_SIGNATURE_KEY', 'not a public JWK');
  return jwk;
}

function signatureBase(
  input: InnerList,
  components: readonly string[],
  signatureInput: string,
  message: BaseMessage,
): string {
  try {
    return signatureBaseOf(input, components, signatureInput, message);
  } catch (error) {
    if (!(error instanceof ComponentError)) throw error;
    const code = error.reason === 'missing' ? 'COMPONENTS' : 'MALFORMED';
    throw new FapiError(`ERR_FAPI_SIGNATURE_${code}`, { cause: error });
  }
}

async function verifyRequest(
  options: ResolvedSignatureOptions,
  request: SignedRequestLike,
  context: VerifySignatureContext,
): Promise<VerifiedSignature | undefined> {
  const headers = normalizeHeaders(request.headers);
  if (!headers.has('signature-input') && !headers.has('signature')) {
    if (context.signedRequest === 'optional') return undefined;
    reject('ERR_FAPI_SIGNATURE_MISSING');
  }
  if (!headers.has('signature-input') || !headers.has('signature')) {
    reject('ERR_FAPI_SIGNATURE_MISSING', 'one of the two headers');
  }
  const body = hasBody(headers, request.rawBody);
  if (body && request.rawBody === undefined) {
    throw new TypeError('rawBody: the request has a body; pass its bytes as received');
  }
  let selected: ReturnType<typeof selectTaggedSignature>;
  let time: ReturnType<typeof checkSignatureTime>;
  try {
    selected = selectTaggedSignature(headers, FAPI_REQUEST_TAG);
    time = checkSignatureTime(selected.input, {
      nowS: Math.floor(options.clock() / 1000),
      maxAgeS: options.maxAgeS,
      clockToleranceS: options.clockToleranceS,
    });
  } catch (error) {
    throw error instanceof FieldError ? fieldFailure(error) : error;
  }
  const { label, input, bytes, components, signatureParams: signatureInput } = selected;
  checkCoverage(components, headers, body);
  if (body || components.includes('"content-digest"')) {
    const digest = headers.get('content-digest');
    const raw = request.rawBody ?? new Uint8Array(0);
    if (digest === undefined || !checkContentDigest(digest.join(', '), raw)) {
      reject('ERR_FAPI_SIGNATURE_DIGEST');
    }
  }
  const keyId = parameter(input, 'keyid', 'ERR_FAPI_SIGNATURE_KEY');
  const nonce = parameter(input, 'nonce');
  // A resolver that answers synchronously costs no promise turn (same for the replay store).
  const found = resolveKey(options, context.clientId, keyId);
  const jwk = isThenable(found) ? await found : found;
  const algorithm = selectAlgorithm(input[1].get('alg'), jwk, options.algorithms);
  const key = importClientKey(jwk);
  if (algorithm === undefined || key === undefined || !keyFits(algorithm, key)) {
    reject('ERR_FAPI_SIGNATURE_ALG');
  }
  const url = parsedUrl(request.url);
  const base = signatureBase(input, components, signatureInput, {
    headers,
    method: request.method,
    url,
  });
  if (!verifySignature(algorithm, key, base, bytes)) reject('ERR_FAPI_SIGNATURE_INVALID');
  if (nonce !== undefined) {
    const ttl = options.maxAgeS + options.clockToleranceS;
    const stored = options.replayStore.checkAndStore(
      replayKey(context.clientId as string, keyId as string, nonce),
      ttl,
    );
    const fresh = isThenable(stored) ? await stored : stored;
    if (!fresh) reject('ERR_FAPI_SIGNATURE_REPLAY');
  }
  return Object.freeze({
    label,
    keyId: keyId as string,
    clientId: context.clientId as string,
    algorithm,
    created: time.created,
    expires: time.expires,
    nonce,
    components: Object.freeze(components),
    signatureInput,
    signature: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  });
}

/**
 * Makes the verifier of signed requests: RFC 9421 signatures under the FAPI 2.0 HTTP
 * Signatures profile (tag `fapi-2-request`; `@method`, `@target-uri`, `authorization` covered,
 * `dpop` when present and `content-digest` when there is a body; `created` within
 * `maxAgeSeconds`; `expires` honoured; `nonce` never twice; the requesting client's key only).
 * It does NOT verify the access token or its binding: it runs after them, with the client id
 * of the verified token.
 *
 * @example
 * const verifier = httpSignatures({ resolveClientKey: (clientId, keyId) => keys.get(clientId, keyId) });
 * const verified = await verifier.verify(
 *   { method: 'POST', url: 'https://api.bank.example/payments', headers, rawBody },
 *   { clientId: principal.clientId, signedRequest: 'required' },
 * );
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-3.2
 * @see https://www.rfc-editor.org/rfc/rfc9530#section-2
 */
export function httpSignatures(options: HttpSignatureOptions): RequestSignatureVerifier {
  const resolved = resolveSignatureOptions(options);
  const signing = resolved.responseSigning;
  return {
    verify: (request, context) => {
      if (context?.signedRequest !== 'required' && context?.signedRequest !== 'optional') {
        return Promise.reject(new TypeError("signedRequest: must be 'required' or 'optional'"));
      }
      return verifyRequest(resolved, request, context);
    },
    ...(signing && {
      signResponse: (
        request: SignedRequestLike,
        requestSignature: Pick<VerifiedSignature, 'label'> | undefined,
        response: ResponseLike,
      ) => ({
        ...signResponse({
          ...signing,
          request,
          requestSignature,
          response,
          now: resolved.clock(),
        }),
      }),
    }),
    close: async () => {
      if (resolved.ownsReplayStore) await resolved.replayStore.close?.();
    },
  };
}
