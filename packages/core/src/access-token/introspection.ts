import { importJWK, SignJWT } from 'jose';
import { FapiError, type FapiErrorCode } from '../errors.js';
import { BoundedCache } from '../lib/bounded-cache.js';
import { randomId, verifySignature, type JwsAlgorithm } from '../lib/crypto.js';
import { parseCompactJws } from '../lib/jws.js';
import { checkAudience, type AccessTokenClaims } from './claims.js';
import type { KeyResolver } from './keys.js';
import type { IntrospectionSettings } from './options.js';

/** What introspection needs beyond its own options. */
export interface IntrospectionContext {
  issuer: string;
  keys: KeyResolver | undefined;
  audiences: readonly string[];
  algorithms: ReadonlySet<string>;
  clockToleranceS: number;
  clock: () => number;
}

export interface IntrospectedToken {
  claims: AccessTokenClaims;
  issuer: string;
  generation: number;
}

type Outcome = { ok: true; token: IntrospectedToken } | { ok: false; code: FapiErrorCode };

export interface Introspector {
  introspect(token: string, ath: string): Promise<IntrospectedToken>;
}

const JSON_TYPE = 'application/json';
const JWT_TYPE = 'application/token-introspection+jwt';

/**
 * An RFC 7662 introspection client for opaque access tokens: one call per uncached token, shared
 * by concurrent requests for it; results (active or not) cached within bounds; a bounded timeout;
 * after a failure, 503 without calling again for `failureBackoffMs` (no retry storm). Signed
 * responses (RFC 9701) are verified with the issuer's keys: `typ`, algorithm, signature, `iss`,
 * `aud` (this client).
 *
 * The binding data (`cnf.jkt`, `cnf["x5t#S256"]`) it returns is checked by the resource server
 * exactly as for JWT access tokens; the AS does not check DPoP binding at introspection.
 * @see https://www.rfc-editor.org/rfc/rfc7662
 * @see https://www.rfc-editor.org/rfc/rfc9701
 */
export function createIntrospector(
  options: IntrospectionSettings,
  context: IntrospectionContext,
): Introspector {
  const { fetch: fetchImpl, timeoutMs, failureBackoffMs } = options;
  const maxTtlMs = (options.cache?.maxTtlS ?? 0) * 1000;
  const cache = options.cache && new BoundedCache<Outcome>(options.cache.max);
  const inFlight = new Map<string, Promise<Outcome>>();
  let blockedUntilMs = 0;
  let signingKey: ReturnType<typeof importJWK> | undefined;

  async function clientAuthentication(): Promise<{
    headers: Record<string, string>;
    body: Record<string, string>;
  }> {
    const { auth } = options;
    if (auth.method === 'client_secret_basic') {
      const basic = btoa(
        `${encodeURIComponent(options.clientId)}:${encodeURIComponent(auth.secret)}`,
      );
      return { headers: { authorization: `Basic ${basic}` }, body: {} };
    }
    if (auth.method === 'tls_client_auth')
      return { headers: {}, body: { client_id: options.clientId } };
    const { alg } = auth;
    signingKey ??= importJWK(auth.key, alg);
    const nowS = Math.floor(context.clock() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg, ...(auth.key.kid ? { kid: auth.key.kid } : {}) })
      .setIssuer(options.clientId)
      .setSubject(options.clientId)
      // FAPI 2.0 (SP 5.3.2.1): the audience of a client assertion is the issuer identifier.
      .setAudience(context.issuer)
      .setJti(randomId())
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + 60)
      .sign(await signingKey);
    return {
      headers: {},
      body: {
        client_id: options.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      },
    };
  }

  /** The configured endpoint, or the discovered one (a discovery failure is an outage). */
  async function endpoint(): Promise<string> {
    if (options.endpoint !== undefined) return options.endpoint;
    let discovered: string | undefined;
    try {
      discovered = (await options.discovery?.current())?.introspection_endpoint;
    } catch (cause) {
      throw new Error('authorization server metadata unavailable', { cause });
    }
    if (discovered === undefined) throw new Error('metadata has no introspection_endpoint');
    return discovered;
  }

  async function call(token: string): Promise<Record<string, unknown>> {
    const { headers, body } = await clientAuthentication();
    const response = await fetchImpl(await endpoint(), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: options.jwtResponse ? JWT_TYPE : JSON_TYPE,
        ...headers,
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token', ...body }).toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`introspection answered ${response.status}`);
    if (!options.jwtResponse) return parseObject(text);
    if (!(response.headers.get('content-type') ?? '').toLowerCase().startsWith(JWT_TYPE)) {
      throw new FapiError('ERR_FAPI_INTROSPECTION_RESPONSE_INVALID');
    }
    return verifyJwtResponse(text.trim());
  }

  async function verifyJwtResponse(jwt: string): Promise<Record<string, unknown>> {
    const jws = parseCompactJws(jwt, 65_536);
    const typ = jws?.header.typ;
    const alg = jws?.header.alg;
    if (
      !jws ||
      typeof typ !== 'string' ||
      !/^(application\/)?token-introspection\+jwt$/i.test(typ) ||
      typeof alg !== 'string' ||
      !context.algorithms.has(alg) ||
      !context.keys
    ) {
      throw new FapiError('ERR_FAPI_INTROSPECTION_RESPONSE_INVALID');
    }
    const kid = typeof jws.header.kid === 'string' ? jws.header.kid : undefined;
    const key = await context.keys.getKey({ alg, kid });
    const { payload } = jws;
    const audience = payload.aud;
    const audiences =
      typeof audience === 'string' ? [audience] : Array.isArray(audience) ? audience : [];
    if (
      !verifySignature(alg as JwsAlgorithm, key, jws.signingInput, jws.signature) ||
      payload.iss !== context.issuer ||
      !audiences.includes(options.clientId) ||
      typeof payload.token_introspection !== 'object' ||
      payload.token_introspection === null
    ) {
      throw new FapiError('ERR_FAPI_INTROSPECTION_RESPONSE_INVALID');
    }
    return payload.token_introspection as Record<string, unknown>;
  }

  async function lookUp(token: string, ath: string): Promise<Outcome> {
    let data: Record<string, unknown>;
    try {
      data = await call(token);
    } catch (cause) {
      // A response that fails verification is refused, not cached; key outages stay 503.
      if (cause instanceof FapiError) throw cause;
      blockedUntilMs = context.clock() + failureBackoffMs;
      throw new FapiError('ERR_FAPI_INTROSPECTION_UNAVAILABLE', { cause });
    }
    const outcome = toOutcome(data, context);
    if (cache) {
      const nowMs = context.clock();
      const expMs = outcome.ok ? outcome.token.claims.exp * 1000 : Number.POSITIVE_INFINITY;
      cache.set(ath, outcome, Math.min(expMs, nowMs + maxTtlMs), nowMs);
    }
    return outcome;
  }

  return {
    async introspect(token, ath) {
      const nowMs = context.clock();
      let outcome = cache?.get(ath, nowMs);
      if (!outcome) {
        if (nowMs < blockedUntilMs) throw new FapiError('ERR_FAPI_INTROSPECTION_UNAVAILABLE');
        let pending = inFlight.get(ath);
        if (!pending) {
          pending = lookUp(token, ath).finally(() => inFlight.delete(ath));
          inFlight.set(ath, pending);
        }
        outcome = await pending;
      }
      if (!outcome.ok) throw new FapiError(outcome.code);
      const nowS = context.clock() / 1000;
      if (nowS - context.clockToleranceS >= outcome.token.claims.exp) {
        throw new FapiError('ERR_FAPI_TOKEN_EXPIRED');
      }
      return outcome.token;
    },
  };
}

function parseObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('introspection response is not a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * Applies RFC 7662 §2.2 and FAPI rules to an introspection response (RS-INT-01/02): inactive
 * tokens refused; `aud`, `exp`, `iss` checked; `token_type`, when present for a DPoP-bound token,
 * must be `DPoP`; the result is shaped like JWT access-token claims.
 */
function toOutcome(data: Record<string, unknown>, context: IntrospectionContext): Outcome {
  const fail = (code: FapiErrorCode): Outcome => ({ ok: false, code });
  if (data.active !== true) return fail('ERR_FAPI_TOKEN_INACTIVE');
  const nowS = context.clock() / 1000;
  const { exp, iat, cnf, scope, token_type: tokenType } = data;
  const clientId = data.client_id;
  const sub = data.sub ?? clientId;
  if (
    typeof exp !== 'number' ||
    typeof clientId !== 'string' ||
    typeof sub !== 'string' ||
    (iat !== undefined && typeof iat !== 'number') ||
    (scope !== undefined && typeof scope !== 'string') ||
    (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)))
  ) {
    return fail('ERR_FAPI_TOKEN_CLAIM_INVALID');
  }
  if (data.iss !== undefined && data.iss !== context.issuer) return fail('ERR_FAPI_TOKEN_ISSUER');
  try {
    checkAudience(data.aud, context.audiences);
  } catch {
    return fail('ERR_FAPI_TOKEN_AUDIENCE');
  }
  if (nowS - context.clockToleranceS >= exp) return fail('ERR_FAPI_TOKEN_EXPIRED');
  const boundToDpop = cnf !== undefined && 'jkt' in (cnf as object);
  if (boundToDpop && tokenType !== undefined && String(tokenType).toLowerCase() !== 'dpop') {
    return fail('ERR_FAPI_TOKEN_CLAIM_INVALID');
  }
  const claims: AccessTokenClaims = {
    ...data,
    iss: context.issuer,
    sub,
    client_id: clientId,
    aud: data.aud as string | string[],
    exp,
    iat: (iat as number | undefined) ?? Math.floor(nowS),
    jti: typeof data.jti === 'string' ? data.jti : '',
  };
  return { ok: true, token: { claims, issuer: context.issuer, generation: 0 } };
}
