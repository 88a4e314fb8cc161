/**
 * fapi-guard development FAPI 2.0 authorization server (oidc-provider). DEV ONLY.
 *
 * FAPI 2.0 Security Profile: PAR required, PKCE S256, private_key_jwt or
 * self_signed_tls_client_auth, DPoP- or certificate-bound access tokens, PS256/ES256 only,
 * JWT (RFC 9068, typ at+jwt) or opaque access tokens with introspection.
 * Rich Authorization Requests (RFC 9396: `account_access`, `payment_initiation`) and two `acr`
 * values (password; password and one-time code) with `acr` and `auth_time` in access tokens
 * (RFC 9470): see consent.ts.
 */
import { X509Certificate, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { loadDevFixtures, type DemoUser, type DevFixtures } from './fixtures.js';
import { escapeHtml, handleInteraction, page } from './interactions.js';
import { seededClients } from './clients.js';
import { Playground } from './playground.js';
import {
  ACR_VALUES,
  extraTokenClaims,
  interactionPolicyWithStepUp,
  richAuthorizationRequests,
} from './consent.js';
import {
  DEFAULT_RESOURCES,
  FAPI_ALGS,
  RESOURCE_SCOPES,
  type AccessTokenFormat,
  type SigningAlg,
} from './constants.js';

export {
  DEFAULT_RESOURCES,
  FAPI_ALGS,
  RESOURCE_SCOPES,
  type AccessTokenFormat,
  type SigningAlg,
} from './constants.js';

export interface AuthServerOptions {
  /** TCP port; 0 picks a free one (the issuer reflects the real port). Default 4000. */
  port?: number;
  /** Listen address and issuer host. Default 127.0.0.1. */
  host?: string;
  /**
   * 'https' (default) serves TLS with the dev server certificate and asks every client for a
   * certificate (`requestCert: true, rejectUnauthorized: false`), which mTLS needs.
   * 'http' is for quick DPoP-only experiments: no client certificates, so the mTLS client fails.
   */
  protocol?: 'https' | 'http';
  /** Access token format for every resource. Default 'jwt'. */
  accessTokenFormat?: AccessTokenFormat;
  /** JWT access token signing algorithm. Default 'PS256'. */
  accessTokenSigningAlg?: SigningAlg;
  /** Access token lifetime in seconds. Default 300. */
  accessTokenTtl?: number;
  /**
   * Resource indicators (RFC 8707) the AS issues tokens for; the access token `aud` is the
   * resource string exactly as requested. The first entry is the default resource when the
   * client sends none. Default DEFAULT_RESOURCES (http(s)://127.0.0.1:3000).
   */
  resources?: readonly string[];
  /**
   * Also accept any loopback resource `http(s)://127.0.0.1|localhost|[::1]:<port>[/path]`
   * (handy for tests that start an API on port 0). Default true.
   */
  allowLoopbackResources?: boolean;
  /** Require DPoP nonces at the AS (clients then see `use_dpop_nonce` once). Default false. */
  dpopNonce?: boolean;
  /** Answer the consent prompt automatically for the demo users. Default true. */
  autoConsent?: boolean;
  /** Extra redirect URIs registered for the demo clients (besides `${issuer}/cb`). */
  redirectUris?: readonly string[];
  /** Override the committed dev fixtures (keys, TLS material, users). */
  fixtures?: DevFixtures;
  /** Log sink for server errors. Default: console.error. */
  log?: (message: string) => void;
  /**
   * Base URL of the API the browser playground (`/playground`) calls; its origin is the only one
   * the page may connect to besides the AS. Default https://127.0.0.1:3000.
   */
  playgroundApiUrl?: string;
}

export interface AuthServer {
  /** e.g. https://127.0.0.1:4000 (no trailing slash). */
  issuer: string;
  port: number;
  server: https.Server | http.Server;
  provider: Provider;
  /** PEM of the CA that issued the TLS server certificate (trust this to talk to the AS). */
  caCertificate: string;
  /** Redirect URI registered for every demo client: `${issuer}/cb`. */
  redirectUri: string;
  /** Resolved options. */
  options: Required<Omit<AuthServerOptions, 'fixtures' | 'log'>>;
  close(): Promise<void>;
}

const LOOPBACK_RESOURCE =
  /^https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?(?:\/[^?#]*)?$/;

export { certificateJwk } from './clients.js';

function peerCertificate(ctx: KoaContextWithOIDC): X509Certificate | undefined {
  const socket = ctx.req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerX509Certificate !== 'function') return undefined;
  return socket.getPeerX509Certificate() ?? undefined;
}

function buildConfiguration(
  opts: AuthServer['options'],
  fixtures: DevFixtures,
  redirectUris: string[],
  log: (message: string) => void,
  playground: Playground,
): Configuration {
  const users = new Map<string, DemoUser>(fixtures.users.map((u) => [u.sub, u]));
  const allowedResource = (resource: string): boolean =>
    opts.resources.includes(resource) ||
    (opts.allowLoopbackResources && LOOPBACK_RESOURCE.test(resource));
  const resourceScope = RESOURCE_SCOPES.join(' ');
  const nonceSecret = opts.dpopNonce ? randomBytes(32) : undefined;

  return {
    clients: seededClients(fixtures, redirectUris),
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'PS256',
      // With jwtIntrospection enabled every client otherwise defaults to RS256 here and fails
      // validation against enabledJWA (surfacing as invalid_client_metadata at first use).
      introspection_signed_response_alg: 'PS256',
      token_endpoint_auth_method: 'private_key_jwt',
    },
    clientAuthMethods: ['private_key_jwt', 'self_signed_tls_client_auth'],
    jwks: fixtures.asSigningKeys as Configuration['jwks'],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    responseTypes: ['code'],
    // The resource scopes are listed too, so `scopes_supported` in the metadata names what the
    // accounts API checks; they are granted through the resource indicator (resourceScope).
    scopes: ['openid', 'profile', 'email', ...RESOURCE_SCOPES],
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    pkce: { required: () => true },
    clockTolerance: 5,
    // Only the playground page, from the AS's own origin, calls PAR and token with fetch.
    clientBasedCORS: (_ctx, origin, client) => playground.allowsCors(origin, client.clientId),
    fetch: playground.fetch,
    enabledJWA: {
      clientAuthSigningAlgValues: [...FAPI_ALGS],
      idTokenSigningAlgValues: [...FAPI_ALGS],
      requestObjectSigningAlgValues: [...FAPI_ALGS],
      userinfoSigningAlgValues: [...FAPI_ALGS],
      introspectionSigningAlgValues: [...FAPI_ALGS],
      authorizationSigningAlgValues: [...FAPI_ALGS],
      dPoPSigningAlgValues: [...FAPI_ALGS],
    },
    ttl: {
      AccessToken: () => opts.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 300,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 3600,
      ClientCredentials: () => opts.accessTokenTtl,
    },
    interactions: {
      policy: interactionPolicyWithStepUp(),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    acrValues: [...ACR_VALUES],
    extraTokenClaims,
    findAccount: (_ctx, sub) => {
      const user = users.get(sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        claims: () => ({ sub: user.sub, name: user.name, email: user.email }),
      };
    },
    features: {
      devInteractions: { enabled: false },
      fapi: { enabled: true, profile: '2.0' },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
      dPoP: {
        enabled: true,
        ...(nonceSecret ? { nonceSecret } : {}),
        requireNonce: () => opts.dpopNonce,
      },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        selfSignedTlsClientAuth: true,
        getCertificate: peerCertificate,
      },
      introspection: {
        enabled: true,
        // Only the resource-server client (or a client asking about its own token) may introspect.
        allowedPolicy: (ctx, client, token) =>
          client.clientId === fixtures.clients.rs.clientId || token.clientId === client.clientId,
      },
      jwtIntrospection: { enabled: true },
      revocation: { enabled: true },
      richAuthorizationRequests: richAuthorizationRequests(),
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) =>
          oneOf ?? opts.resources[0] ?? DEFAULT_RESOURCES[0],
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (!allowedResource(resourceIndicator)) {
            throw new errors.InvalidTarget(`unknown resource ${resourceIndicator}`);
          }
          return opts.accessTokenFormat === 'jwt'
            ? {
                scope: resourceScope,
                audience: resourceIndicator,
                accessTokenTTL: opts.accessTokenTtl,
                accessTokenFormat: 'jwt',
                jwt: { sign: { alg: opts.accessTokenSigningAlg } },
              }
            : {
                scope: resourceScope,
                audience: resourceIndicator,
                accessTokenTTL: opts.accessTokenTtl,
                accessTokenFormat: 'opaque',
              };
        },
      },
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page(
        'Error',
        Object.entries(out)
          .map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: ${escapeHtml(v)}</p>`)
          .join(''),
      );
      log(`render error: ${JSON.stringify(out)}`);
    },
  };
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts the development AS. It listens first (so port 0 works), then builds the Provider with
 * the real issuer `${protocol}://${host}:${port}`.
 */
export async function createAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  const fixtures = options.fixtures ?? loadDevFixtures();
  const log = options.log ?? ((message: string) => console.error(`[auth-server] ${message}`));
  const opts: AuthServer['options'] = {
    port: options.port ?? 4000,
    host: options.host ?? '127.0.0.1',
    protocol: options.protocol ?? 'https',
    accessTokenFormat: options.accessTokenFormat ?? 'jwt',
    accessTokenSigningAlg: options.accessTokenSigningAlg ?? 'PS256',
    accessTokenTtl: options.accessTokenTtl ?? 300,
    resources: options.resources ?? DEFAULT_RESOURCES,
    allowLoopbackResources: options.allowLoopbackResources ?? true,
    dpopNonce: options.dpopNonce ?? false,
    autoConsent: options.autoConsent ?? true,
    redirectUris: options.redirectUris ?? [],
    playgroundApiUrl: options.playgroundApiUrl ?? 'https://127.0.0.1:3000',
  };

  let handler: http.RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const listener: http.RequestListener = (req, res) => handler(req, res);
  const server =
    opts.protocol === 'https'
      ? https.createServer(
          {
            key: fixtures.tls.key,
            cert: fixtures.tls.cert,
            requestCert: true,
            rejectUnauthorized: false,
          },
          listener,
        )
      : http.createServer(listener);

  const port = await listen(server, opts.port, opts.host);
  const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const issuer = `${opts.protocol}://${hostPart}:${port}`;
  const redirectUri = `${issuer}/cb`;
  const playground = new Playground(issuer, { apiUrl: opts.playgroundApiUrl });

  const provider = new Provider(
    issuer,
    buildConfiguration(opts, fixtures, [redirectUri, ...opts.redirectUris], log, playground),
  );
  playground.attach(provider);
  provider.on('server_error', (_ctx: unknown, err: Error) =>
    log(`server_error: ${err.stack ?? err}`),
  );
  // Static clients are validated lazily (first request); validate them now to fail fast.
  try {
    for (const client of [fixtures.clients.dpop, fixtures.clients.mtls, fixtures.clients.rs]) {
      if (!(await provider.Client.find(client.clientId)))
        throw new Error(`client ${client.clientId} missing`);
    }
  } catch (err) {
    server.close();
    throw err;
  }
  const providerCallback = provider.callback();
  const interactionOptions = { users: fixtures.users, autoConsent: opts.autoConsent };

  handler = (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname.startsWith('/interaction/')) {
      void handleInteraction(provider, interactionOptions, req, res, url.pathname).then(
        (handled) => {
          if (!handled) void providerCallback(req, res);
        },
      );
      return;
    }
    if (url.pathname.startsWith('/playground')) {
      void playground.handle(req, res, url.pathname).then((handled) => {
        if (!handled) void providerCallback(req, res);
      });
      return;
    }
    if (url.pathname === '/cb' && req.method === 'GET') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      const params = [...url.searchParams]
        .map(
          ([k, v]) => `<li><strong>${escapeHtml(k)}</strong>: <code>${escapeHtml(v)}</code></li>`,
        )
        .join('');
      res.end(
        page(
          'Authorization response',
          `<p>The authorization server redirected back with:</p><ul>${params}</ul>
<p>A client now exchanges the code at the token endpoint (with PKCE and DPoP or mTLS).</p>`,
        ),
      );
      return;
    }
    if (url.pathname === '/' && req.method === 'GET') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        page(
          'fapi-guard dev authorization server',
          `<p>Issuer <code>${escapeHtml(issuer)}</code></p>
<p>Metadata: <a href="/.well-known/openid-configuration">/.well-known/openid-configuration</a></p>
<p>Browser playground: <a href="/playground">/playground</a></p>
<p>Clients: ${[fixtures.clients.dpop, fixtures.clients.mtls, fixtures.clients.rs]
            .map((c) => `<code>${escapeHtml(c.clientId)}</code>`)
            .join(', ')}</p>`,
        ),
      );
      return;
    }
    void providerCallback(req, res);
  };

  let closed: Promise<void> | undefined;
  return {
    issuer,
    port,
    server,
    provider,
    caCertificate: fixtures.tls.ca,
    redirectUri,
    options: opts,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
