/**
 * A client of the accounts API built on oauth4webapi: `protectedResourceRequest` adds the
 * `Authorization` header and, with a DPoP handle, a fresh proof per request (retrying once on
 * `use_dpop_nonce`). Every exchange goes through an undici Agent that trusts the dev CA (and
 * presents the client certificate for mTLS) and is recorded for printing. `send()` is for the
 * hand-built requests of the attacks.
 */
import type { webcrypto } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { Agent, fetch as undiciFetch } from 'undici';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface RecordedResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  /** Parsed JSON when the body is JSON, else the text ('' when empty). */
  body: unknown;
}

export interface Exchange {
  request: RecordedRequest;
  response: RecordedResponse;
}

export interface ApiClientOptions {
  accessToken: string;
  /** DPoP key pair: requests carry `Authorization: DPoP` and a proof. */
  dpopKey?: webcrypto.CryptoKeyPair;
  /** PEM CA(s) to trust for the API. */
  ca: string | string[];
  /** Client certificate and key presented on every connection (mTLS-bound tokens). */
  tls?: { cert: string; key: string };
  onExchange?: (exchange: Exchange) => void;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Origin the request is delivered to (one instance behind a load balancer), instead of the
   * URL's own. The DPoP proof still names the URL: the address the client uses, as a load
   * balancer passes the request on unchanged.
   */
  deliverTo?: string;
}

/** `url` with the origin of `origin`: same path and query. */
export function rebase(url: string, origin: string): string {
  const target = new URL(url);
  const { protocol, host } = new URL(origin);
  target.protocol = protocol;
  target.host = host;
  return target.href;
}

export class ApiClient {
  readonly #agent: Agent;
  readonly #options: ApiClientOptions;
  readonly #dpop: oauth.DPoPHandle | undefined;
  /** Every exchange, in order. */
  readonly exchanges: Exchange[] = [];

  constructor(options: ApiClientOptions) {
    this.#options = options;
    this.#agent = new Agent({
      connect: { ca: options.ca, ...(options.tls ? options.tls : {}) },
    });
    this.#dpop = options.dpopKey ? oauth.DPoP({}, options.dpopKey) : undefined;
  }

  /** A normal call: oauth4webapi builds the credentials. Challenges come back as exchanges. */
  async call(method: string, url: string, options: CallOptions = {}): Promise<Exchange> {
    const headers = new Headers(options.headers);
    let body: string | undefined;
    if (options.body !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(options.body);
    }
    for (let attempt = 0; ; attempt += 1) {
      const before = this.exchanges.length;
      try {
        await oauth.protectedResourceRequest(
          this.#options.accessToken,
          method,
          new URL(url),
          headers,
          body,
          {
            ...(this.#dpop ? { DPoP: this.#dpop } : {}),
            [oauth.customFetch]: (target, init) =>
              this.#fetch(options.deliverTo ? rebase(target, options.deliverTo) : target, init),
          },
        );
      } catch (error) {
        if (attempt === 0 && this.#dpop && oauth.isDPoPNonceError(error)) continue;
        if (!(error instanceof oauth.WWWAuthenticateChallengeError)) throw error;
      }
      const exchange = this.exchanges[before];
      if (!exchange) throw new Error(`no response recorded for ${method} ${url}`);
      return exchange;
    }
  }

  /**
   * Like {@link call}, but the request oauth4webapi prepared for `url` is delivered to
   * `deliverTo` instead: its DPoP proof names the wrong URL.
   */
  async callRedirected(method: string, url: string, deliverTo: string): Promise<Exchange> {
    const before = this.exchanges.length;
    try {
      await oauth.protectedResourceRequest(
        this.#options.accessToken,
        method,
        new URL(url),
        new Headers(),
        undefined,
        {
          ...(this.#dpop ? { DPoP: this.#dpop } : {}),
          [oauth.customFetch]: (_target, init) => this.#fetch(deliverTo, init),
        },
      );
    } catch (error) {
      if (!(error instanceof oauth.WWWAuthenticateChallengeError)) throw error;
    }
    const exchange = this.exchanges[before];
    if (!exchange) throw new Error(`no response recorded for ${method} ${deliverTo}`);
    return exchange;
  }

  /** A hand-built request: exactly these headers, nothing added. */
  send(request: RecordedRequest): Promise<Exchange> {
    return this.#record(request);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #fetch(url: string, init: oauth.CustomFetchOptions<string, unknown>): Promise<Response> {
    const exchange = await this.#record({
      method: init.method,
      url,
      headers: { ...init.headers },
      ...(typeof init.body === 'string' ? { body: init.body } : {}),
    });
    const { status, statusText, headers } = exchange.response;
    const text =
      typeof exchange.response.body === 'string'
        ? exchange.response.body
        : JSON.stringify(exchange.response.body);
    return new Response(status === 204 || status === 304 ? null : text, {
      status,
      statusText,
      headers,
    });
  }

  async #record(request: RecordedRequest): Promise<Exchange> {
    const response = await undiciFetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      redirect: 'manual',
      dispatcher: this.#agent,
    });
    const text = await response.text();
    let body: unknown = text;
    if (/\bjson\b/.test(response.headers.get('content-type') ?? '') && text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const exchange: Exchange = {
      request,
      response: {
        status: response.status,
        statusText: response.statusText,
        headers: Object.fromEntries(response.headers.entries()),
        body,
      },
    };
    this.exchanges.push(exchange);
    this.#options.onExchange?.(exchange);
    return exchange;
  }
}

/** The `error` parameter of a `WWW-Authenticate` challenge, else the body's `error`. */
export function oauthError(exchange: Exchange): string | undefined {
  const challenge = exchange.response.headers['www-authenticate'];
  const fromChallenge = challenge && /\berror="([^"]*)"/.exec(challenge)?.[1];
  if (fromChallenge) return fromChallenge;
  const body = exchange.response.body as { error?: unknown } | undefined;
  return typeof body?.error === 'string' ? body.error : undefined;
}
