import { createPrivateKey } from 'node:crypto';
import { parseDictionary, type InnerList } from 'structured-headers';
import { createSignatureBase, contentDigest } from '../src/index.js';
import {
  importPublicKey,
  selectAlgorithm,
  signBase,
  SIGNATURE_ALGORITHMS,
  verifySignature,
} from '../src/algorithms.js';
import { checkContentDigest } from '../src/content-digest.js';
import { normalizeHeaders } from '../src/message.js';
import {
  jwkOf,
  TEST_KEY_ED25519,
  TEST_REQUEST,
  TEST_RESPONSE,
  VECTORS,
} from './rfc9421-vectors.js';

const request = {
  headers: normalizeHeaders(TEST_REQUEST.headers),
  method: TEST_REQUEST.method,
  url: new URL(TEST_REQUEST.url),
};
const response = { headers: normalizeHeaders(TEST_RESPONSE.headers), status: TEST_RESPONSE.status };

function parsed(vector: (typeof VECTORS)[number]) {
  const input = parseDictionary(vector.input).values().next().value as InnerList;
  const signature = parseDictionary(vector.signature).values().next().value?.[0] as ArrayBuffer;
  return { input, signature: new Uint8Array(signature) };
}

describe('RFC 9421 Appendix B test vectors', () => {
  test.each(VECTORS)('$section: our signature base equals the RFC byte for byte', (vector) => {
    const { input } = parsed(vector);
    const message = vector.message === 'request' ? request : response;
    expect(createSignatureBase(input, message)).toBe(vector.base);
  });

  test.each(VECTORS)('$section: the RFC signature ($alg) verifies with the RFC key', (vector) => {
    const { input, signature } = parsed(vector);
    const message = vector.message === 'request' ? request : response;
    const jwk = jwkOf(vector.key, vector.alg === 'rsa-pss-sha512' ? vector.alg : undefined);
    const algorithm = selectAlgorithm(input[1].get('alg'), jwk, SIGNATURE_ALGORITHMS);
    expect(algorithm).toBe(vector.alg);
    const key = importPublicKey(jwk);
    expect(verifySignature(vector.alg, key!, createSignatureBase(input, message), signature)).toBe(
      true,
    );
  });

  test.each(VECTORS)('$section: one changed covered byte no longer verifies', (vector) => {
    const { input, signature } = parsed(vector);
    const message = vector.message === 'request' ? request : response;
    const key = importPublicKey(jwkOf(vector.key))!;
    const base = createSignatureBase(input, message).replace(
      'created=1618884473',
      'created=1618884474',
    );
    expect(verifySignature(vector.alg, key, base, signature)).toBe(false);
  });

  test('§2.1: each field line is trimmed of leading and trailing whitespace, then the lines are joined by a comma and a space', () => {
    // The example of RFC 9421 §2.1 (all but its obsolete line folding).
    const headers = normalizeHeaders([
      ['X-OWS-Header', '   Leading and trailing whitespace.   '],
      ['Cache-Control', 'max-age=60'],
      ['Cache-Control', '   must-revalidate'],
    ]);
    const input: InnerList = [
      [
        ['x-ows-header', new Map()],
        ['cache-control', new Map()],
      ],
      new Map(),
    ];
    expect(createSignatureBase(input, { headers })).toBe(
      [
        '"x-ows-header": Leading and trailing whitespace.',
        '"cache-control": max-age=60, must-revalidate',
        '"@signature-params": ("x-ows-header" "cache-control")',
      ].join('\n'),
    );
  });

  test('B.2.6: ed25519 is deterministic, so our signer reproduces the RFC signature', () => {
    const vector = VECTORS.find((v) => v.section === 'B.2.6')!;
    const { signature } = parsed(vector);
    const key = createPrivateKey(TEST_KEY_ED25519);
    expect(Buffer.from(signBase('ed25519', key, vector.base))).toEqual(Buffer.from(signature));
  });

  test('the RFC Content-Digest values (sha-512) match the RFC bodies (RFC 9530)', () => {
    expect(checkContentDigest(TEST_REQUEST.headers['content-digest'], TEST_REQUEST.rawBody)).toBe(
      true,
    );
    expect(checkContentDigest(TEST_RESPONSE.headers['content-digest'], TEST_RESPONSE.body)).toBe(
      true,
    );
    expect(contentDigest(TEST_RESPONSE.body, 'sha-512')).toBe(
      TEST_RESPONSE.headers['content-digest'],
    );
  });
});
