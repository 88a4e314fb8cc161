/**
 * A client of the accounts API built on oauth4webapi: `protectedResourceRequest` adds the
 * `Authorization` header and, with a DPoP handle, a fresh proof per request (retrying once on
 * `use_dpop_nonce`). Every exchange goes through an undici Agent that trusts the dev CA (and
 * presents the client certificate for mTLS) and is recorded for printing. `send()` is for the
 * hand-built requests of the attacks. With a `signer`, every request with a body carries an
 * HTTP message signature (RFC 9421, `signRequest` of @fapi-guard/http-signatures) made after
 * the DPoP proof, so it covers `authorization`, `dpop`, `content-digest`, method and URL.
 */
import type { JsonWebKey, webcrypto } from 'node:crypto';
import { signRequest, type SignatureAlgorithm } from '@fapi-guard/http-signatures';
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
  /** The body bytes exactly as received (what a response signature's digest covers). */
  bytes: Uint8Array;
}

/** The client key requests are signed with (its `keyid` as registered at the AS). */
export interface RequestSigner {
  key: JsonWebKey;
  keyId: string;
  algorithm: SignatureAlgorithm;
  /** The signature's `created`, in ms since the epoch. Default: now. */
  now?: () => number;
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
  /** Signs every request that has a body (the payments). */
  signer?: RequestSigner;
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
  /** Replaces the client's signer for this call (an attack signs with the wrong key). */
  signer?: RequestSigner;
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
    const { headers, body } = this.#content(options);
    const signer = options.signer ?? this.#options.signer;
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
              this.#fetch(
                options.deliverTo ? rebase(target, options.deliverTo) : target,
                this.#signed(target, init, signer),
              ),
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

  /**
   * The request {@link call} would send (token, fresh DPoP proof, signature), built but not
   * sent: an attack changes it and sends it with {@link send}.
   */
  async prepare(method: string, url: string, options: CallOptions = {}): Promise<RecordedRequest> {
    const { headers, body } = this.#content(options);
    const signer = options.signer ?? this.#options.signer;
    let prepared: RecordedRequest | undefined;
    await oauth.protectedResourceRequest(
      this.#options.accessToken,
      method,
      new URL(url),
      headers,
      body,
      {
        ...(this.#dpop ? { DPoP: this.#dpop } : {}),
        [oauth.customFetch]: async (target, init) => {
          const signed = this.#signed(target, init, signer);
          prepared = {
            method: signed.method,
            url: target,
            headers: { ...signed.headers },
            ...(typeof signed.body === 'string' ? { body: signed.body } : {}),
          };
          return new Response(null, { status: 204 });
        },
      },
    );
    if (!prepared) throw new Error(`no request prepared for ${method} ${url}`);
    return prepared;
  }

  /** A hand-built request: exactly these headers, nothing added. */
  send(request: RecordedRequest): Promise<Exchange> {
    return this.#record(request);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  #content(options: CallOptions): { headers: Headers; body: string | undefined } {
    const headers = new Headers(options.headers);
    if (options.body === undefined) return { headers, body: undefined };
    headers.set('content-type', 'application/json');
    return { headers, body: JSON.stringify(options.body) };
  }

  /** `init` with the signature headers of `signer` over `url` when it has a body. */
  #signed(
    url: string,
    init: oauth.CustomFetchOptions<string, unknown>,
    signer: RequestSigner | undefined,
  ): oauth.CustomFetchOptions<string, unknown> {
    if (!signer || typeof init.body !== 'string') return init;
    const signature = signRequest({
      key: signer.key,
      keyId: signer.keyId,
      algorithm: signer.algorithm,
      request: { method: init.method, url, headers: init.headers, rawBody: Buffer.from(init.body) },
      ...(signer.now ? { now: signer.now() } : {}),
    });
    return { ...init, headers: { ...init.headers, ...signature } };
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
    const bytes = new Uint8Array(await response.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
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
        bytes,
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
