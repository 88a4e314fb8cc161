/**
 * The signed-route cases (RS-SIG-01..06) of the shared conformance table of @fapi-guard/testing,
 * on a plain fetch handler. The other cases run on this guard through @fapi-guard/hono. Left
 * out, as for Hono: the cases of the HTTPS server with `requestCert`, because a Web-standard
 * `Request` carries no TLS client certificate.
 */
import { conformanceCases, runConformanceSuite } from '@fapi-guard/testing';
import { makeFetchApp } from './conformance-app.js';

const cases = conformanceCases.filter(
  (row) => row.server !== 'tls' && row.specIds.some((id) => id.startsWith('RS-SIG')),
);

test('the table has signed-route cases', () => expect(cases.length).toBeGreaterThan(0));

describe('fetch guard (@hono/node-server), signed routes', () =>
  runConformanceSuite(makeFetchApp, { cases, propertyRuns: 0 }));
