/**
 * The browser playground (DEV ONLY): a static page served at `/playground` on the AS origin, and
 * the hosted JWKS its per-browser clients use as their `jwks_uri`.
 *
 * Routes:
 *   GET  /playground                 the page (strict CSP; also the clients' redirect URI)
 *   GET  /playground/playground.js   its script (one ES module)
 *   GET  /playground/playground.css  its style sheet
 *   POST /playground/clients         `{ "jwk": <public P-256 JWK> }` registers a client whose
 *                                    jwks_uri is the hosted JWKS below; answers its client_id
 *   GET  /playground/jwks/:client_id the hosted JWKS of one playground client
 *
 * The page is a plain module that imports nothing: the demo values it needs (the demo users'
 * accounts, the read actions, the demo creditor, the strong `acr`) are embedded in it as JSON
 * ({@link playgroundDemoConfig}).
 *
 * The store is bounded: at most {@link PLAYGROUND_MAX_CLIENTS} clients (the oldest is dropped),
 * each kept {@link PLAYGROUND_CLIENT_TTL_S} seconds, a body of at most
 * {@link PLAYGROUND_MAX_BODY_BYTES}. A new key means a new client, so the AS never holds a stale
 * copy of a JWKS. The AS reads its own hosted JWKS through the `fetch` of its configuration
 * (answered in process: the dev CA is not in Node's trust store, and oidc-provider refuses
 * loopback addresses for outgoing requests), every other URL goes to the network as before.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Provider from 'oidc-provider';
import type { Adapter, ClientMetadata } from 'oidc-provider';
import { AUTHORIZATION_DETAILS_SCHEMAS } from './consent.js';
import { ACCOUNT_ACTIONS, ACR_STRONG } from './constants.js';
import { BOB_CREDITOR, DEMO_USER_ACCOUNTS } from './demo-consents.js';

/** Path of the page; also the redirect URI of every playground client. */
export const PLAYGROUND_PATH = '/playground';
/** Client ids of playground clients start with this. */
export const PLAYGROUND_CLIENT_PREFIX = 'playground-';
/** Most playground clients kept at once (the oldest is dropped first). */
export const PLAYGROUND_MAX_CLIENTS = 500;
/** Seconds a playground client and its JWKS are kept. */
export const PLAYGROUND_CLIENT_TTL_S = 3600;
/** Largest accepted registration body. */
export const PLAYGROUND_MAX_BODY_BYTES = 2048;

const ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'playground');
const BASE64URL_P256_COORDINATE = /^[A-Za-z0-9_-]{43}$/;
const JWK_MEMBERS = new Set(['kty', 'crv', 'x', 'y', 'alg', 'use', 'kid']);

/** What the playground page needs to know besides its own origin (the issuer). */
export interface PlaygroundOptions {
  /** Base URL of the accounts API the page calls (its origin goes into the CSP). */
  apiUrl: string;
}

/**
 * The demo values the page builds its `authorization_details` and step-up from, embedded in the
 * page as JSON (a `<script type="application/json">`, which the CSP does not run).
 *
 * @example
 * playgroundDemoConfig().accounts.alice; // ['acc-5f1c2d8e', 'acc-93b0e4a1', 'acc-2c7d6f90']
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2 (the elements the page requests)
 */
export function playgroundDemoConfig(): {
  accounts: Readonly<Record<string, readonly string[]>>;
  accountActions: readonly string[];
  creditor: Readonly<{ name: string; iban: string }>;
  strongAcr: string;
} {
  return {
    accounts: DEMO_USER_ACCOUNTS,
    accountActions: ACCOUNT_ACTIONS,
    creditor: BOB_CREDITOR,
    strongAcr: ACR_STRONG,
  };
}

/** JSON safe inside a `<script>` element (no `<`, so no `</script>`). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

interface Registered {
  jwk: Record<string, string>;
  expiresAt: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

/** The public P-256 JWK of a registration body, or an HttpError saying what is wrong. */
function validatePublicJwk(body: unknown): Record<string, string> {
  const jwk = (body as { jwk?: unknown } | null)?.jwk;
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) {
    throw new HttpError(400, 'invalid_request', 'body must be {"jwk": <public EC P-256 JWK>}');
  }
  const entries = Object.entries(jwk as Record<string, unknown>);
  const unknown = entries.find(([k, v]) => !JWK_MEMBERS.has(k) || typeof v !== 'string');
  if (unknown) {
    throw new HttpError(400, 'invalid_request', `jwk member ${unknown[0]} is not allowed`);
  }
  const out = Object.fromEntries(entries) as Record<string, string>;
  if (
    out.kty !== 'EC' ||
    out.crv !== 'P-256' ||
    !BASE64URL_P256_COORDINATE.test(out.x ?? '') ||
    !BASE64URL_P256_COORDINATE.test(out.y ?? '') ||
    (out.alg !== undefined && out.alg !== 'ES256') ||
    (out.use !== undefined && out.use !== 'sig')
  ) {
    throw new HttpError(400, 'invalid_request', 'jwk must be a public EC P-256 key for ES256');
  }
  return out;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > PLAYGROUND_MAX_BODY_BYTES) {
      throw new HttpError(413, 'invalid_request', 'request body too large');
    }
    chunks.push(chunk);
  }
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
    throw new HttpError(415, 'invalid_request', 'content-type must be application/json');
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_request', 'body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(body));
}

/**
 * Where the Provider keeps clients that are not in its static list (its memory adapter here);
 * `Client.adapter` is public in oidc-provider but missing from its type declarations.
 */
function clientAdapter(provider: Provider): Adapter {
  return (provider.Client as unknown as { adapter: Adapter }).adapter;
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The playground: its client store, its routes and the hooks the AS configuration uses.
 *
 * @example
 * const playground = new Playground(issuer, { apiUrl: 'https://127.0.0.1:3000' });
 * const provider = new Provider(issuer, {
 *   clientBasedCORS: (_ctx, origin, client) => playground.allowsCors(origin, client.clientId),
 *   fetch: playground.fetch,
 * });
 * playground.attach(provider);
 * // in the request listener: if (await playground.handle(req, res, pathname)) return;
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5 (JWK Set, served at the jwks_uri)
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2 (the client assertion it verifies)
 */
export class Playground {
  readonly #clients = new Map<string, Registered>();
  readonly #issuer: string;
  readonly #apiUrl: string;
  readonly #csp: string;
  readonly #assets = new Map<string, { type: string; body: string }>();
  #provider: Provider | undefined;

  constructor(issuer: string, options: PlaygroundOptions) {
    this.#issuer = issuer;
    this.#apiUrl = new URL(options.apiUrl).href.replace(/\/$/, '');
    this.#csp = [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      `connect-src 'self' ${new URL(options.apiUrl).origin}`,
      "img-src 'self'",
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; ');
    const read = (name: string) => readFileSync(join(ASSETS_DIR, name), 'utf8');
    const html = read('index.html')
      .replace('%API_URL%', escapeAttribute(this.#apiUrl))
      .replace('%DEMO_CONFIG%', () => scriptJson(playgroundDemoConfig()));
    this.#assets.set('', { type: 'text/html; charset=utf-8', body: html });
    this.#assets.set('/playground.js', {
      type: 'text/javascript; charset=utf-8',
      body: read('playground.js'),
    });
    this.#assets.set('/playground.css', {
      type: 'text/css; charset=utf-8',
      body: read('playground.css'),
    });
  }

  /** Called once the Provider exists (it stores the playground clients in its adapter). */
  attach(provider: Provider): void {
    this.#provider = provider;
  }

  /** `clientBasedCORS`: only playground clients, and only from the page's own origin. */
  allowsCors(origin: string, clientId: string): boolean {
    return clientId.startsWith(PLAYGROUND_CLIENT_PREFIX) && origin === new URL(this.#issuer).origin;
  }

  /** The `fetch` of the AS configuration: hosted JWKS in process, anything else as before. */
  fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const href = url instanceof Request ? url.url : String(url);
    const prefix = `${this.#issuer}${PLAYGROUND_PATH}/jwks/`;
    if (!href.startsWith(prefix)) return globalThis.fetch(url, init);
    const jwks = this.#jwks(decodeURIComponent(href.slice(prefix.length)));
    return new Response(JSON.stringify(jwks ?? { error: 'not_found' }), {
      status: jwks ? 200 : 404,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  };

  /** Handles a request under /playground; false when the path is not a playground route. */
  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    if (pathname !== PLAYGROUND_PATH && !pathname.startsWith(`${PLAYGROUND_PATH}/`)) return false;
    const rest = pathname.slice(PLAYGROUND_PATH.length);
    try {
      const asset = this.#assets.get(rest);
      if (asset && (req.method === 'GET' || req.method === 'HEAD')) {
        res.setHeader('content-type', asset.type);
        res.setHeader('cache-control', 'no-store');
        res.setHeader('content-security-policy', this.#csp);
        res.setHeader('x-content-type-options', 'nosniff');
        res.setHeader('referrer-policy', 'no-referrer');
        res.end(req.method === 'HEAD' ? undefined : asset.body);
        return true;
      }
      if (rest === '/clients' && req.method === 'POST') {
        sendJson(res, 201, await this.#register(await readJson(req)));
        return true;
      }
      const jwksMatch = /^\/jwks\/([\w-]{1,80})$/.exec(rest);
      if (jwksMatch && req.method === 'GET') {
        const jwks = this.#jwks(jwksMatch[1] ?? '');
        if (!jwks) throw new HttpError(404, 'not_found', 'no such playground client');
        sendJson(res, 200, jwks);
        return true;
      }
      throw new HttpError(404, 'not_found', 'no such playground resource');
    } catch (err) {
      if (err instanceof HttpError) {
        sendJson(res, err.status, { error: err.error, error_description: err.message });
      } else {
        sendJson(res, 500, { error: 'server_error', error_description: 'registration failed' });
      }
      return true;
    }
  }

  #jwks(clientId: string): { keys: Array<Record<string, string>> } | undefined {
    const entry = this.#clients.get(clientId);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#clients.delete(clientId);
      return undefined;
    }
    return { keys: [entry.jwk] };
  }

  async #register(body: unknown): Promise<Record<string, unknown>> {
    const provider = this.#provider;
    if (!provider) throw new HttpError(503, 'temporarily_unavailable', 'not ready');
    const jwk = { ...validatePublicJwk(body), alg: 'ES256', use: 'sig' };
    const clientId = `${PLAYGROUND_CLIENT_PREFIX}${randomUUID()}`;
    const jwksUri = `${this.#issuer}${PLAYGROUND_PATH}/jwks/${clientId}`;
    const metadata: ClientMetadata = {
      client_id: clientId,
      client_name: 'Browser playground client',
      redirect_uris: [`${this.#issuer}${PLAYGROUND_PATH}`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      id_token_signed_response_alg: 'PS256',
      introspection_signed_response_alg: 'PS256',
      jwks_uri: jwksUri,
      dpop_bound_access_tokens: true,
      authorization_details_types: Object.keys(AUTHORIZATION_DETAILS_SCHEMAS),
    };
    while (this.#clients.size >= PLAYGROUND_MAX_CLIENTS) {
      const oldest = this.#clients.keys().next().value as string;
      this.#clients.delete(oldest);
      await clientAdapter(provider).destroy(oldest);
    }
    this.#clients.set(clientId, { jwk, expiresAt: Date.now() + PLAYGROUND_CLIENT_TTL_S * 1000 });
    await clientAdapter(provider).upsert(clientId, metadata, PLAYGROUND_CLIENT_TTL_S);
    return {
      client_id: clientId,
      jwks_uri: jwksUri,
      redirect_uri: metadata.redirect_uris?.[0],
      expires_in: PLAYGROUND_CLIENT_TTL_S,
    };
  }
}
