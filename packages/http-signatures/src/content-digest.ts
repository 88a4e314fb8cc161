/**
 * `Content-Digest` (RFC 9530) over the exact bytes of a message body: computed for responses,
 * recomputed and compared for requests. Only `sha-256` and `sha-512`; the insecure and the
 * unknown algorithms of the registry are refused, never skipped.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { digest as digestOf } from './algorithms.js';
import {
  parseDictionary,
  serializeDictionary,
  type Item,
  type InnerList,
} from 'structured-headers';

/**
 * The digest algorithms accepted and produced.
 *
 * @example
 * contentDigest(body, 'sha-512'); // 'sha-512=:...:'
 * @see https://www.rfc-editor.org/rfc/rfc9530#section-5
 */
export type DigestAlgorithm = 'sha-256' | 'sha-512';

/** `sha-256=:` + 44 base64 characters + `:`. */
const CANONICAL_SHA256_LENGTH = 54;

const HASHES: Record<DigestAlgorithm, string> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

/**
 * The `Content-Digest` field value of `body`.
 *
 * @example
 * res.setHeader('content-digest', contentDigest(Buffer.from('{"hello": "world"}')));
 * @see https://www.rfc-editor.org/rfc/rfc9530#section-2
 */
export function contentDigest(body: Uint8Array, algorithm: DigestAlgorithm = 'sha-256'): string {
  const hash = Object.hasOwn(HASHES, algorithm) ? HASHES[algorithm] : undefined;
  if (hash === undefined) throw new TypeError(`algorithm: must be sha-256 or sha-512`);
  const digest = createHash(hash).update(body).digest();
  return serializeDictionary(new Map([[algorithm, [digest, new Map()]]]));
}

/**
 * Whether the field value holds only `sha-256`/`sha-512` digests, at least one, each equal to
 * the digest of `body`.
 */
export function checkContentDigest(value: string, body: Uint8Array): boolean {
  // What clients send: one sha-256 digest, spelt as this package serializes it. The same
  // string parses to exactly that digest, so it is the right one; any other spelling (and a
  // wrong digest) goes through the full parse below.
  if (value.length === CANONICAL_SHA256_LENGTH && value.startsWith('sha-256=:')) {
    if (value === `sha-256=:${digestOf('sha256', body, 'base64')}:`) return true;
  }
  let dictionary: Map<string, Item | InnerList>;
  try {
    dictionary = parseDictionary(value);
  } catch {
    return false;
  }
  if (dictionary.size === 0) return false;
  for (const [name, [digest]] of dictionary) {
    const hash = Object.hasOwn(HASHES, name) ? HASHES[name as DigestAlgorithm] : undefined;
    if (hash === undefined || !(digest instanceof ArrayBuffer)) return false;
    const expected = digestOf(hash, body, 'buffer');
    const received = new Uint8Array(digest);
    if (received.byteLength !== expected.byteLength || !timingSafeEqual(received, expected)) {
      return false;
    }
  }
  return true;
}
