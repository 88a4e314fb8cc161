/**
 * Property tests (fast-check), bounded in runs: no single change to a signed request passes,
 * and arbitrary header values never escape the error model (always a 401 FapiError, never a
 * crash). Seeds are printed by fast-check on failure for replay.
 */
import fc from 'fast-check';
import { isFapiError } from '@fapi-guard/core';
import { parseDictionary } from 'structured-headers';
import { A, signed, verifier } from './fixture.js';

const v = verifier();
afterAll(() => v.close());

async function outcome(request: Parameters<typeof v.verify>[0]) {
  try {
    await v.verify(request, A);
    return 'accepted';
  } catch (error) {
    if (isFapiError(error) && error.status === 401) return 'refused';
    throw error;
  }
}

function sameBytes(a: string, b: string): boolean {
  try {
    const bytes = (value: string) =>
      Buffer.from(parseDictionary(value).get('sig1')?.[0] as ArrayBuffer).toString('hex');
    return bytes(a) === bytes(b);
  } catch {
    return false;
  }
}

const COVERED = ['authorization', 'dpop', 'content-digest', 'signature-input', 'signature'];

describe('no change to a signed request passes', () => {
  test('one changed byte of the body', async () => {
    const request = signed();
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: request.rawBody!.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, delta) => {
          const body = Uint8Array.from(request.rawBody!);
          body[at] = (body[at]! + delta) % 256;
          return (await outcome({ ...request, rawBody: body })) === 'refused';
        },
      ),
      { numRuns: 60 },
    );
  });

  test('one changed character of a covered header or of the signature headers', async () => {
    const request = signed();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...COVERED),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }),
        async (name, index, char) => {
          const value = request.headers[name]!;
          const at = index % value.length;
          if (value[at] === char) return true;
          const changed = value.slice(0, at) + char + value.slice(at + 1);
          // The unused low bits of a base64 character decode to the same signature bytes.
          if (name === 'signature' && sameBytes(value, changed)) return true;
          const headers = { ...request.headers, [name]: changed };
          return (await outcome({ ...request, headers })) === 'refused';
        },
      ),
      { numRuns: 200 },
    );
  });

  test('arbitrary Signature and Signature-Input values are a 401, never a crash', async () => {
    const request = signed();
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), async (input, signature) => {
        const headers = { ...request.headers, 'signature-input': input, signature };
        return (await outcome({ ...request, headers })) === 'refused';
      }),
      { numRuns: 200 },
    );
  });
});
