/**
 * The HTTP side of the scripted client: an undici 7 Agent that trusts the dev CA (or `ca`) and
 * presents a TLS client certificate when given (global fetch cannot), every exchange recorded
 * as a {@link FlowStep}, and a minimal cookie jar for the login and consent pages.
 */
import type * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { loadDevFixtures } from './fixtures.js';

export type FlowPhase =
  | 'discovery'
  | 'par'
  | 'authorize'
  | 'interaction'
  | 'login'
  | 'consent'
  | 'token'
  | 'introspection';

/** One HTTP exchange of the flow. */
export interface FlowStep {
  phase: FlowPhase;
  method: string;
  url: string;
  status: number;
  /** Location header of a redirect. */
  location?: string;
  /** OAuth `error` of a failed response (e.g. `use_dpop_nonce` before the DPoP retry). */
  error?: string;
}

export interface ClientTls {
  /** PEM client certificate (self-signed for self_signed_tls_client_auth). */
  cert: string;
  /** PEM private key of the certificate. */
  key: string;
  /** PEM CA(s) to trust for the AS server certificate. Default: the dev CA. */
  ca?: string | string[];
}

export type FetchLike = (url: string, init: oidc.CustomFetchOptions) => Promise<Response>;

export interface Transport {
  fetch: FetchLike;
  close(): Promise<void>;
}

export function createTransport(
  options: { fetch?: FetchLike; tls?: ClientTls; ca?: string | string[] },
  record: (step: FlowStep) => void,
  phase: () => FlowPhase,
): Transport {
  let base: FetchLike;
  let agent: Agent | undefined;
  if (options.fetch) {
    base = options.fetch;
  } else {
    agent = new Agent({
      connect: {
        ca: options.tls?.ca ?? options.ca ?? loadDevFixtures().tls.ca,
        ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
      },
    });
    const dispatcher = agent;
    base = async (url, init) =>
      (await undiciFetch(url, {
        ...(init as Parameters<typeof undiciFetch>[1]),
        dispatcher,
      })) as unknown as Response;
  }
  const fetch: FetchLike = async (url, init) => {
    const response = await base(url, init);
    const step: FlowStep = {
      phase: phase(),
      method: (init.method ?? 'GET').toUpperCase(),
      url,
      status: response.status,
    };
    const location = response.headers.get('location');
    if (location) step.location = new URL(location, url).href;
    if (response.status >= 400) step.error = await oauthError(response);
    record(step);
    return response;
  };
  return { fetch, close: async () => agent?.close() };
}

async function oauthError(response: Response): Promise<string | undefined> {
  const challenge = response.headers.get('www-authenticate');
  const fromChallenge = challenge && /\berror="([^"]+)"/.exec(challenge)?.[1];
  if (fromChallenge) return fromChallenge;
  try {
    const body = (await response.clone().json()) as { error?: unknown };
    return typeof body.error === 'string' ? body.error : undefined;
  } catch {
    return undefined;
  }
}

/** Minimal cookie jar (single host; honours Path and deletion). */
export class CookieJar {
  readonly #cookies = new Map<string, { name: string; value: string; path: string }>();

  store(response: Response, requestUrl: string): void {
    const headers = response.headers as Headers & { getSetCookie?: () => string[] };
    const list = headers.getSetCookie?.() ?? [];
    for (const line of list) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = new URL(requestUrl).pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = false;
      for (const attribute of attributes) {
        const [k = '', v = ''] = attribute.split('=').map((s) => s.trim());
        const key = k.toLowerCase();
        if (key === 'path' && v.startsWith('/')) path = v;
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v) < Date.now()) expired = true;
      }
      const id = `${name}\u0000${path}`;
      if (expired) this.#cookies.delete(id);
      else this.#cookies.set(id, { name, value, path });
    }
  }

  header(url: string): string | undefined {
    const { pathname } = new URL(url);
    const matching = [...this.#cookies.values()].filter(
      (c) =>
        pathname === c.path ||
        (pathname.startsWith(c.path) && (c.path.endsWith('/') || pathname[c.path.length] === '/')),
    );
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }
}

export function sameEndpoint(a: string, b: string): boolean {
  const x = new URL(a);
  const y = new URL(b);
  return x.origin === y.origin && x.pathname === y.pathname;
}
