import { createHash } from 'node:crypto';
import { replayKey } from '../src/algorithms.js';

describe('replay keys of signature nonces', () => {
  test('are SHA-256 over the length-prefixed parts, as stores shared with other instances hold them', () => {
    const parts = ['client-a', 'a1', 'nonce-ü-1'] as const;
    const hash = createHash('sha256');
    for (const part of parts) hash.update(`${part.length}:${part}`);
    expect(replayKey(...parts)).toBe(`http-sig:${hash.digest('base64url')}`);
  });

  test('keep the parts apart: moving a character between parts changes the key', () => {
    expect(replayKey('client-a', 'a1', 'n')).not.toBe(replayKey('client-a', 'a', '1n'));
    expect(replayKey('\ud800', '\udc00', 'n')).not.toBe(replayKey('\ud800\udc00', '', 'n'));
  });
});
