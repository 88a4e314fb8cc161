/**
 * The cases of the shared conformance table of @fapi-guard/testing whose routes a plain fetch
 * handler serves without a router: the signed routes (RS-SIG-01..06), step-up (RS-STEP-01..03)
 * and the claims rule (RS-CLAIM-01). The other cases run on this guard through @fapi-guard/hono:
 * the authorization details matchers of the table read path parameters and a JSON body, and the
 * guard gives a matcher neither (no router; it reads form bodies only). Left out, as for Hono:
 * the cases of the HTTPS server with `requestCert`, because a Web-standard `Request` carries no
 * TLS client certificate.
 */
import { conformanceCases, runConformanceSuite } from '@fapi-guard/testing';
import { makeFetchApp } from './conformance-app.js';

const ROUTE_LEVEL = /^RS-(?:SIG|STEP|CLAIM)-/;
const cases = conformanceCases.filter(
  (row) => row.server !== 'tls' && row.specIds.some((id) => ROUTE_LEVEL.test(id)),
);

test('the table has signed-route, step-up and claims cases', () => {
  for (const family of ['RS-SIG-', 'RS-STEP-', 'RS-CLAIM-']) {
    expect(cases.filter((row) => row.specIds.some((id) => id.startsWith(family)))).not.toEqual([]);
  }
});

describe('fetch guard (@hono/node-server), routes without a router', () =>
  runConformanceSuite(makeFetchApp, { cases, propertyRuns: 0 }));
