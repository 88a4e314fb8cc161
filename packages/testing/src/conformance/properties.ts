import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseWwwAuthenticate } from './www-authenticate.js';
import type { ConformanceKit, ConformanceRequest } from './types.js';

/** Characters an HTTP client may put in a header value (RFC 9110 field-vchar, SP, obs-text). */
const fieldValue = fc
  .array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })), {
    maxLength: 400,
  })
  .map((codes) => String.fromCharCode(...codes).trim());

/**
 * Arbitrary header values sent over HTTP through the adapter under test: the answer is always a
 * 400 or 401 with a JSON error body and a parseable challenge: never a 5xx, a hang, or a body
 * echoing the input. `runs` requests per property (bounded; fast-check prints a seed to replay).
 */
export async function assertArbitraryHeadersRefused(
  kit: ConformanceKit,
  runs: number,
): Promise<void> {
  const token = await kit.dpopToken();
  const proof = await kit.proof({ token });
  const shapes = fc.oneof(
    fieldValue.map((v): Record<string, string> => ({ authorization: v, dpop: proof })),
    fieldValue.map((v): Record<string, string> => ({ authorization: `DPoP ${v}`, dpop: v })),
    fieldValue.map((v): Record<string, string> => ({ authorization: `DPoP ${token}`, dpop: v })),
    fieldValue.map((v): Record<string, string> => ({ authorization: `Bearer ${v}` })),
    fieldValue.map((v): Record<string, string> => ({
      authorization: `Bearer ${token}`,
      'client-cert': v,
    })),
  );
  await fc.assert(
    fc.asyncProperty(shapes, async (headers) => {
      const request: ConformanceRequest = { method: 'GET', path: '/accounts', headers };
      const response = await kit.send(request);
      assert.ok(
        response.status === 400 || response.status === 401,
        `expected 400 or 401, got ${response.status} for ${JSON.stringify(headers)}`,
      );
      assert.equal(typeof (response.json as { error?: unknown } | undefined)?.error, 'string');
      parseWwwAuthenticate(response.headers['www-authenticate'] as string | undefined);
    }),
    { numRuns: runs },
  );
}
