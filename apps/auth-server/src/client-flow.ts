/**
 * A scripted FAPI 2.0 client (openid-client 6): discovery, PAR with private_key_jwt or
 * self_signed_tls_client_auth, PKCE S256, the login/consent pages driven without a browser,
 * and the code exchange with DPoP (nonce retry included) or mTLS.
 *
 * TLS: by default every request goes through an undici 7 Agent that trusts the dev CA (or
 * `ca`) and presents `tls.cert` when given. Global fetch cannot present a client certificate.
 */
import type { webcrypto } from 'node:crypto';
import * as oidc from 'openid-client';
import { decodeJwt, importJWK, type JWK, type JWTPayload } from 'jose';
import { loadDevFixtures } from './fixtures.js';
import {
  CookieJar,
  createTransport,
  sameEndpoint,
  type ClientTls,
  type FetchLike,
  type FlowPhase,
  type FlowStep,
} from './transport.js';

export { CookieJar } from './transport.js';
export type { ClientTls, FetchLike, FlowPhase, FlowStep } from './transport.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

export interface ObtainAccessTokenOptions {
  /** Issuer identifier, e.g. https://127.0.0.1:4000 */
  issuer: string;
  clientId: string;
  /** Private JWK: authenticate with private_key_jwt. */
  clientKey?: JWK;
  /**
   * Client certificate: presented on every TLS connection. Without `clientKey` the client
   * authenticates with self_signed_tls_client_auth; the AS binds the token to this certificate
   * when the client is registered with tls_client_certificate_bound_access_tokens.
   */
  tls?: ClientTls;
  /** PEM CA(s) to trust for the AS when `tls` is not given. Default: the dev CA. */
  ca?: string | string[];
  /** DPoP key pair (ES256 or PS256): PAR and token requests carry DPoP proofs. */
  dpopKey?: CryptoKeyPair;
  /** Default 'openid accounts'. */
  scope?: string;
  /** RFC 8707 resource indicator (becomes the access token `aud`). */
  resource?: string;
  /** Registered redirect URI. Default `${issuer}/cb`. */
  redirectUri?: string;
  username: string;
  password: string;
  /**
   * RFC 9396 authorization details sent at PAR (`authorization_details`, JSON); the user's
   * consent grants exactly these, each enriched with the consent id (`consentId`).
   */
  authorizationDetails?: readonly AuthorizationDetailRequest[];
  /** `acr_values` sent at PAR (space-separated), e.g. `urn:fapi-guard:acr:strong` to step up. */
  acrValues?: string;
  /** The one-time code typed at login (the strong acr's second factor). */
  otp?: string;
  /**
   * The user agent's cookies at the AS, kept across calls: a later authorization reuses the
   * login session (no login prompt) unless it asks for more, e.g. an `acr_values` the session
   * does not have (step-up). Default: a new jar per call (every call logs in).
   */
  cookies?: CookieJar;
  /** Replace the transport entirely (then `tls`/`ca` only decide the client auth method). */
  fetch?: FetchLike;
  /** Called after every HTTP response. */
  onStep?: (step: FlowStep) => void;
}

/** One requested RFC 9396 authorization details element (`type` plus type-specific members). */
export interface AuthorizationDetailRequest {
  type: string;
  [member: string]: unknown;
}

export interface AccessTokenResult {
  accessToken: string;
  /** 'DPoP' or 'Bearer' (the AS's token_type, case-normalised). */
  tokenType: string;
  expiresIn?: number;
  scope?: string;
  idToken?: string;
  /** The granted authorization details from the token response (RFC 9396 §7). */
  authorizationDetails?: AuthorizationDetailRequest[];
  /** Decoded, NOT verified, payload of a JWT access token; undefined for opaque tokens. */
  claims?: JWTPayload;
  /** Every HTTP exchange, in order. */
  steps: FlowStep[];
}

/** Chooses the JWS alg of a private JWK (its `alg`, else by key type). */
function jwkAlg(jwk: JWK): string {
  if (jwk.alg) return jwk.alg;
  if (jwk.kty === 'EC') return jwk.crv === 'P-384' ? 'ES384' : 'ES256';
  if (jwk.kty === 'OKP') return 'EdDSA';
  return 'PS256';
}

/** A fresh DPoP key pair (non-extractable private key). */
export function generateDpopKey(alg: 'ES256' | 'PS256' = 'ES256'): Promise<CryptoKeyPair> {
  return oidc.randomDPoPKeyPair(alg) as Promise<CryptoKeyPair>;
}

/**
 * Runs the whole FAPI 2.0 authorization code flow for a demo user and returns the access
 * token. Throws on any failure (with the AS's error in the message).
 */
export async function obtainAccessToken(
  options: ObtainAccessTokenOptions,
): Promise<AccessTokenResult> {
  const { issuer, clientId, clientKey, tls, dpopKey, username, password } = options;
  const scope = options.scope ?? 'openid accounts';
  const redirectUri = options.redirectUri ?? `${issuer.replace(/\/$/, '')}/cb`;
  if (!clientKey && !tls) throw new TypeError('obtainAccessToken needs clientKey or tls');

  const steps: FlowStep[] = [];
  let phase: FlowPhase = 'discovery';
  const transport = createTransport(
    options,
    (step) => {
      steps.push(step);
      options.onStep?.(step);
    },
    () => phase,
  );

  try {
    const clientAuth = clientKey
      ? oidc.PrivateKeyJwt({
          key: (await importJWK(clientKey, jwkAlg(clientKey))) as CryptoKey,
          ...(clientKey.kid ? { kid: clientKey.kid } : {}),
        })
      : oidc.TlsClientAuth();

    const config = await oidc.discovery(new URL(issuer), clientId, undefined, clientAuth, {
      [oidc.customFetch]: transport.fetch,
      ...(issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
    const dpop = dpopKey ? oidc.getDPoPHandle(config, dpopKey) : undefined;

    // PAR (DPoP proof here binds the authorization code to the key: dpop_jkt).
    phase = 'par';
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const parameters: Record<string, string> = {
      redirect_uri: redirectUri,
      scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    };
    if (options.resource) parameters.resource = options.resource;
    if (options.authorizationDetails) {
      parameters.authorization_details = JSON.stringify(options.authorizationDetails);
    }
    if (options.acrValues) parameters.acr_values = options.acrValues;
    const authorizationUrl = await oidc.buildAuthorizationUrlWithPAR(
      config,
      parameters,
      dpop ? { DPoP: dpop } : undefined,
    );

    // Front channel, driven programmatically.
    const callbackUrl = await driveUserAgent(authorizationUrl.href, redirectUri, {
      username,
      password,
      otp: options.otp,
      jar: options.cookies ?? new CookieJar(),
      fetch: transport.fetch,
      setPhase: (p) => (phase = p),
    });

    phase = 'token';
    const tokens = await oidc.authorizationCodeGrant(
      config,
      new URL(callbackUrl),
      {
        pkceCodeVerifier: codeVerifier,
        expectedState: state,
        idTokenExpected: /\bopenid\b/.test(scope),
      },
      options.resource ? { resource: options.resource } : undefined,
      dpop ? { DPoP: dpop } : undefined,
    );

    let claims: JWTPayload | undefined;
    if (tokens.access_token.split('.').length === 3) {
      try {
        claims = decodeJwt(tokens.access_token);
      } catch {
        claims = undefined;
      }
    }
    const granted = tokens.authorization_details as AuthorizationDetailRequest[] | undefined;
    const tokenType = String(tokens.token_type).toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    return {
      accessToken: tokens.access_token,
      tokenType,
      ...(tokens.expires_in !== undefined ? { expiresIn: tokens.expires_in } : {}),
      ...(tokens.scope !== undefined ? { scope: tokens.scope } : {}),
      ...(tokens.id_token !== undefined ? { idToken: tokens.id_token } : {}),
      ...(granted !== undefined ? { authorizationDetails: granted } : {}),
      ...(claims ? { claims } : {}),
      steps,
    };
  } finally {
    await transport.close();
  }
}

interface InteractionDescription {
  uid: string;
  prompt: { name: string };
  actions: { login: string; confirm: string };
}

async function driveUserAgent(
  startUrl: string,
  redirectUri: string,
  ctx: {
    username: string;
    password: string;
    otp: string | undefined;
    jar: CookieJar;
    fetch: FetchLike;
    setPhase: (p: FlowPhase) => void;
  },
): Promise<string> {
  const { jar } = ctx;
  const request = async (url: string, method: 'GET' | 'POST', body?: URLSearchParams) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await ctx.fetch(url, {
      method,
      headers,
      body: body ? body.toString() : undefined,
      redirect: 'manual',
    } as oidc.CustomFetchOptions);
    jar.store(response, url);
    return response;
  };

  ctx.setPhase('authorize');
  let response = await request(startUrl, 'GET');
  let url = startUrl;
  for (let hop = 0; hop < 20; hop += 1) {
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      if (!location) throw new Error(`redirect without Location from ${url}`);
      await response.body?.cancel();
      const next = new URL(location, url).href;
      if (sameEndpoint(next, redirectUri)) {
        const error = new URL(next).searchParams.get('error');
        if (error) {
          const description = new URL(next).searchParams.get('error_description');
          throw new Error(
            `authorization failed: ${error}${description ? ` (${description})` : ''}`,
          );
        }
        return next;
      }
      url = next;
      ctx.setPhase(new URL(url).pathname.startsWith('/interaction/') ? 'interaction' : 'authorize');
      response = await request(url, 'GET');
      continue;
    }
    if (response.status === 200 && new URL(url).pathname.startsWith('/interaction/')) {
      const interaction = (await response.json()) as InteractionDescription;
      const base = new URL(url);
      if (interaction.prompt.name === 'login') {
        ctx.setPhase('login');
        const target = new URL(interaction.actions.login, base).href;
        const form = new URLSearchParams({ username: ctx.username, password: ctx.password });
        if (ctx.otp !== undefined) form.set('otp', ctx.otp);
        response = await request(target, 'POST', form);
        if (response.status === 401) {
          const body = (await response.json().catch(() => ({}))) as { error_description?: string };
          throw new Error(
            `login failed for user ${ctx.username}: ${body.error_description ?? 'refused'}`,
          );
        }
      } else if (interaction.prompt.name === 'consent') {
        ctx.setPhase('consent');
        const target = new URL(interaction.actions.confirm, base).href;
        response = await request(target, 'POST', new URLSearchParams());
      } else {
        throw new Error(`unsupported interaction prompt ${interaction.prompt.name}`);
      }
      url = new URL(url).href;
      continue;
    }
    const text = await response.text().catch(() => '');
    throw new Error(`unexpected ${response.status} from ${url}: ${text.slice(0, 300)}`);
  }
  throw new Error('too many redirects before reaching the redirect URI');
}

export interface IntrospectTokenOptions {
  issuer: string;
  /** Default the seeded resource-server client `rs-client`. */
  clientId?: string;
  /** Private JWK for private_key_jwt. Default the seeded resource-server client's key. */
  clientKey?: JWK;
  ca?: string | string[];
  fetch?: FetchLike;
  onStep?: (step: FlowStep) => void;
}

/** RFC 7662 introspection as the resource-server client (private_key_jwt). */
export async function introspectToken(
  token: string,
  options: IntrospectTokenOptions,
): Promise<oidc.IntrospectionResponse> {
  const rs = loadDevFixtures().clients.rs;
  const clientKey = options.clientKey ?? rs.privateJwk;
  const transport = createTransport(
    options,
    (step) => options.onStep?.(step),
    () => 'introspection',
  );
  try {
    const config = await oidc.discovery(
      new URL(options.issuer),
      options.clientId ?? rs.clientId,
      undefined,
      oidc.PrivateKeyJwt({
        key: (await importJWK(clientKey, jwkAlg(clientKey))) as CryptoKey,
        ...(clientKey.kid ? { kid: clientKey.kid } : {}),
      }),
      {
        [oidc.customFetch]: transport.fetch,
        ...(options.issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : {}),
      },
    );
    return await oidc.tokenIntrospection(config, token);
  } finally {
    await transport.close();
  }
}
