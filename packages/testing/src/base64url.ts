/**
 * base64url (RFC 4648 §5, no padding) helpers used throughout the kit.
 *
 * @example
 * ```ts
 * base64url.encode('{"alg":"none"}'); // 'eyJhbGciOiJub25lIn0'
 * base64url.decodeToString('eyJhbGciOiJub25lIn0'); // '{"alg":"none"}'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-2 (Base64url Encoding)
 */
export const base64url = {
  /** Encodes bytes, or a string as UTF-8, to unpadded base64url. */
  encode(input: Uint8Array | string): string {
    const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
    return bytes.toString('base64url');
  },
  /** Decodes base64url (padding tolerated) to bytes. */
  decode(input: string): Uint8Array {
    return new Uint8Array(Buffer.from(input, 'base64url'));
  },
  /** Decodes base64url to a UTF-8 string. */
  decodeToString(input: string): string {
    return Buffer.from(input, 'base64url').toString('utf8');
  },
  /** JSON-serialises `value` and encodes it: one JWS header or payload segment. */
  encodeJson(value: unknown): string {
    return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  },
} as const;
