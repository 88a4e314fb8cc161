import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/**
 * How a {@link JwksServer} answers:
 * - `ok`: 200, the source's current JWKS
 * - `error`: 500 with a JSON error body
 * - `hang`: never answers (until {@link JwksServer.close})
 * - `garbage`: 200 `application/json` whose body is not JSON
 * - `html`: 200 `text/html` (a captive portal / misrouted proxy)
 * - `empty`: 200 `{"keys":[]}`
 */
export type JwksServerMode = 'ok' | 'error' | 'hang' | 'garbage' | 'html' | 'empty';

/** Where a {@link JwksServer} gets its keys: an authority (its current `jwks()`) or a function. */
export type JwksSource = { jwks(): unknown } | (() => unknown);

/** Options of {@link startJwksServer}. */
export interface JwksServerOptions {
  /** Path in the returned `url`; every path is served alike. Default `/jwks`. */
  path?: string;
  /** Serve HTTPS with this certificate (e.g. from `ca.issueServerCertificate()`). */
  tls?: { certPem: string; keyPem: string };
}

/** A local JWKS endpoint on 127.0.0.1 whose behaviour a test can switch. */
export interface JwksServer {
  /** `http://127.0.0.1:<port>/jwks` (`https:` when `tls` is set; the cert needs IP SAN 127.0.0.1). */
  readonly url: string;
  /** Requests received so far (including ones still hanging or delayed). */
  readonly requests: number;
  /** Switches how later requests are answered. */
  setMode(mode: JwksServerMode): void;
  /** Delays every later answer by `ms` (0 = none). */
  setDelay(ms: number): void;
  /** Stops listening and destroys every open socket, hanging ones included. */
  close(): Promise<void>;
  /** Lets the process exit while the server listens (for servers started outside a hook). */
  unref(): void;
}

/**
 * Serves `source`'s current JWKS over HTTP on 127.0.0.1 (a random port), so key rotation in a
 * {@link TestAuthority} is seen on the next fetch. Counts requests and can fail on demand.
 *
 * @example
 * ```ts
 * const authority = await createTestAuthority();
 * const jwks = await startJwksServer(authority);
 * // ... createResourceServer({ jwksUri: jwks.url, ... })
 * jwks.setMode('hang'); // key source down
 * afterAll(() => jwks.close());
 * ```
 */
export async function startJwksServer(
  source: JwksSource,
  options: JwksServerOptions = {},
): Promise<JwksServer> {
  let mode: JwksServerMode = 'ok';
  let delayMs = 0;
  let requests = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const respond = async (response: ServerResponse): Promise<void> => {
    if (mode === 'hang') return;
    if (mode === 'error') return send(response, 500, 'application/json', '{"error":"boom"}');
    if (mode === 'garbage') return send(response, 200, 'application/json', '{"keys":[{"kty"');
    if (mode === 'html') {
      return send(response, 200, 'text/html', '<!doctype html><title>Sign in</title>');
    }
    if (mode === 'empty') return send(response, 200, 'application/json', '{"keys":[]}');
    const jwks = typeof source === 'function' ? await source() : source.jwks();
    send(response, 200, 'application/json', JSON.stringify(jwks));
  };

  const handler = (_request: IncomingMessage, response: ServerResponse): void => {
    requests += 1;
    const answer = (): void => {
      respond(response).catch(() => send(response, 500, 'application/json', '{}'));
    };
    if (delayMs <= 0 || mode === 'hang') return answer();
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer();
    }, delayMs);
    timers.add(timer);
  };

  const server = options.tls
    ? createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, handler)
    : createHttpServer(handler);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}${options.path ?? '/jwks'}`;

  return {
    url,
    get requests() {
      return requests;
    },
    setMode(next) {
      mode = next;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    unref() {
      server.unref();
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  if (response.writableEnded || response.destroyed) return;
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}
