/**
 * HTTP message signatures over the wire (RS-SIG-01..06): the signed routes
 * `GET /signed/accounts`, `POST /signed/payments` and `GET /signed/optional` accept what the
 * FAPI 2.0 HTTP Signatures profile allows and refuse reject vectors N56–N60 with a 401 that is
 * not itself signed.
 */
import { CONFORMANCE_CLIENT_KEY_ID, CONFORMANCE_NOW_S } from '../kit.js';
import type { ConformanceCase, ConformanceKit } from '../types.js';
import { PRINCIPAL } from './shared.js';

const PAYMENT_BODY = JSON.stringify({ amount: '10.00', currency: 'EUR' });

/** A signed `POST /signed/payments` with a JSON body. */
const payment = (k: ConformanceKit, body = PAYMENT_BODY) =>
  k.signedRequest({
    method: 'POST',
    path: '/signed/payments',
    headers: { 'content-type': 'application/json' },
    body,
  });

/** The evidence the signed routes answer with, for a signature over `components`. */
const evidence = (...components: string[]) => ({
  label: 'sig1',
  keyId: CONFORMANCE_CLIENT_KEY_ID,
  created: CONFORMANCE_NOW_S,
  components: components.map((name) => `"${name}"`),
});

export const signatureCases: ConformanceCase[] = [
  {
    name: 'accepts a signed GET without a body, answering with the verified evidence',
    specIds: ['RS-SIG-01', 'RS-SIG-03'],
    request: (k) => k.signedRequest(),
    expect: {
      status: 200,
      body: {
        ...PRINCIPAL,
        signature: evidence('@method', '@target-uri', 'authorization', 'dpop'),
      },
    },
  },
  {
    name: 'accepts a signed POST whose content-digest matches the bytes sent',
    specIds: ['RS-SIG-03'],
    request: (k) => payment(k),
    expect: {
      status: 201,
      body: {
        ...PRINCIPAL,
        signature: evidence('@method', '@target-uri', 'authorization', 'dpop', 'content-digest'),
      },
    },
  },
];
