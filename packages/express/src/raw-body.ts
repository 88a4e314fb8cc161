import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The `verify` callback of Express's body parsers (`express.json`, `express.urlencoded`,
 * `express.raw`, `express.text`) that keeps the body bytes on `req.rawBody`, exactly as the
 * parser read them, for the `Content-Digest` of signed requests (RFC 9530). The parser still
 * parses: `req.body` is what it always was. Pass it to every parser a signed route can receive;
 * a signed route whose body no parser read answers 500 `ERR_FAPI_MISCONFIGURED`, never a pass.
 *
 * The bytes are those after the parser undid any `Content-Encoding` (gzip, deflate, br), while
 * a client's digest is over the encoded bytes: a compressed signed body is refused (401
 * `ERR_FAPI_SIGNATURE_DIGEST`), never accepted unchecked.
 *
 * @example
 * ```ts
 * app.use(express.json({ verify: captureRawBody }));
 * app.use(express.urlencoded({ extended: false, verify: captureRawBody }));
 * app.use(fapiGuard(options));
 * app.post('/payments', requireScopes('payments').requireSignedRequest(), createPayment);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9530#section-2
 */
export function captureRawBody(
  req: IncomingMessage,
  _res: ServerResponse,
  buf: Buffer,
  _encoding: string,
): void {
  // Through `unknown`: other packages' typings may declare IncomingMessage.rawBody a string.
  (req as unknown as { rawBody?: Buffer }).rawBody = buf;
}
