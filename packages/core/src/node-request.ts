import type { RequestLike } from './types.js';

/**
 * The parts of Node's `http.IncomingMessage` (and `tls.TLSSocket`) core reads, duck-typed so
 * core imports nothing from Node. Express, Koa, Fastify and Nest all sit on this object.
 *
 * @example
 * const request = fromNodeRequest(req); // req: http.IncomingMessage
 */
export interface NodeRequestLike {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  headersDistinct?: Record<string, string[] | undefined>;
  rawHeaders?: string[];
  socket?: {
    remoteAddress?: string | undefined;
    encrypted?: boolean;
    getPeerCertificate?: (detailed: true) => { raw?: Uint8Array } | null | undefined;
  } | null;
}

/**
 * What a framework resolved about the request, for {@link fromNodeRequest}.
 *
 * @example
 * fromNodeRequest(req, { protocol: req.protocol, host: req.host, url: req.originalUrl });
 */
export interface FromNodeRequestOptions {
  /** Scheme and host the client addressed, when the framework resolved them (trust proxy). */
  protocol?: string | undefined;
  host?: string | undefined;
  /** The original request target (Express `req.originalUrl`, Koa `ctx.originalUrl`). */
  url?: string | undefined;
  /**
   * The parsed body, if the framework parsed one. Passed on only for
   * `application/x-www-form-urlencoded` requests: RFC 6750 §2.2 defines body tokens for that
   * media type alone, so an `access_token` member of a JSON body is ordinary data.
   */
  body?: unknown;
}

/**
 * Builds core's {@link RequestLike} from a Node request so adapters stay free of protocol logic:
 * headers keep duplicates (`headersDistinct`, else `rawHeaders`: RS-TOK-04), the client
 * certificate comes from the TLS socket (RS-MTLS-01), the peer address feeds the trusted-proxy
 * check, and the URL is absolute as the client addressed it (for `htu`). `X-Forwarded-*` headers
 * are never read here: pass `protocol`/`host` only when the framework was told to trust a proxy,
 * or configure `publicUrl`.
 *
 * @example
 * createServer(async (req, res) => {
 *   const principal = await rs.verify(fromNodeRequest(req), { scopes: ['accounts'] });
 * });
 */
export function fromNodeRequest(
  req: NodeRequestLike,
  options: FromNodeRequestOptions = {},
): RequestLike {
  const socket = req.socket ?? undefined;
  const protocol = options.protocol ?? (socket?.encrypted ? 'https' : 'http');
  const host = options.host ?? firstHeader(req.headers.host) ?? 'localhost';
  const target = options.url ?? req.url ?? '/';
  return {
    method: req.method ?? 'GET',
    url: target.startsWith('/') ? `${protocol}://${host}${target}` : target,
    headers: req.headersDistinct ?? req.rawHeaders ?? req.headers,
    clientCertificate: peerCertificate(socket),
    peerAddress: socket?.remoteAddress,
    body: isForm(req.headers['content-type']) ? options.body : undefined,
  };
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function peerCertificate(socket: NodeRequestLike['socket']): Uint8Array | undefined {
  if (!socket?.encrypted || typeof socket.getPeerCertificate !== 'function') return undefined;
  const raw = socket.getPeerCertificate(true)?.raw;
  return raw && raw.length > 0 ? raw : undefined;
}

function isForm(contentType: string | string[] | undefined): boolean {
  const value = firstHeader(contentType);
  return value !== undefined && /^application\/x-www-form-urlencoded\s*(;|$)/i.test(value);
}
