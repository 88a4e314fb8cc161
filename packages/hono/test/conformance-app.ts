import type { Principal } from '@fapi-guard/core';
import {
  CONFORMANCE_ACCOUNT_CONSENT,
  CONFORMANCE_CLAIMS_RULE,
  CONFORMANCE_PAYMENT_CONSENT,
  CONFORMANCE_STEP_UP,
  conformanceSignatureJson,
  startConformanceServer,
  type MakeConformanceApp,
} from '@fapi-guard/testing';
import { getRequestListener } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import {
  fapiGuard,
  mtlsBound,
  requireAcr,
  requireAnyScope,
  requireAuthorizationDetails,
  requireClaims,
  requireScopes,
  requireSignedRequest,
  signedResponse,
} from '../src/index.js';

/** The JSON every guarded conformance route answers with. */
export function principalJson(principal: Principal | undefined) {
  const { subject, clientId, scopes, binding, authorizationDetails, acr } = principal as Principal;
  return { subject, clientId, scopes, binding, authorizationDetails, acr };
}

const answer = (status: 200 | 201) => (c: Context) => c.json(principalJson(c.get('fapi')), status);

/** The signed routes' answer: the principal JSON and the verified request signature. */
const signedAnswer = (status: 200 | 201) => (c: Context) =>
  c.json(
    { ...principalJson(c.get('fapi')), signature: conformanceSignatureJson(c.get('fapi')) },
    status,
  );

/** The runtime's peer address under @hono/node-server. */
export const nodePeerAddress = (c: Context) => getConnInfo(c).remote.address;

/**
 * The conformance app of @fapi-guard/testing on Hono 4, served by @hono/node-server's request
 * listener on the suite's Node server. There is no TLS client certificate in a Web `Request`:
 * the suite's socket-mTLS cases are left out (see conformance.test.ts).
 */
export const makeHonoApp: MakeConformanceApp = async ({ fapi, tls }) => {
  const app = new Hono();
  const guard = fapiGuard({ ...fapi, publicPaths: ['/public'], peerAddress: nodePeerAddress });
  app.use(guard);
  app.get('/accounts', requireScopes('accounts'), answer(200));
  app.post('/payments', requireScopes('payments').dpopBound(), answer(201));
  app.get('/mtls', mtlsBound(), answer(200));
  app.get('/any', requireAnyScope('admin', 'accounts'), answer(200));
  app.get('/unmarked', answer(200));
  app.post(
    '/consented-payments',
    requireAuthorizationDetails(CONFORMANCE_PAYMENT_CONSENT),
    answer(201),
  );
  app.get(
    '/accounts/:accountId',
    requireAuthorizationDetails(CONFORMANCE_ACCOUNT_CONSENT),
    answer(200),
  );
  app.get(
    '/strong',
    requireAcr(CONFORMANCE_STEP_UP.acrValues, { maxAge: CONFORMANCE_STEP_UP.maxAge }),
    answer(200),
  );
  app.get('/claims', requireClaims(CONFORMANCE_CLAIMS_RULE), answer(200));
  app.get(
    '/signed/accounts',
    requireScopes('accounts').requireSignedRequest(),
    signedResponse(),
    signedAnswer(200),
  );
  app.post(
    '/signed/payments',
    requireScopes('payments').requireSignedRequest(),
    signedResponse(),
    signedAnswer(201),
  );
  app.get('/signed/optional', requireSignedRequest('optional'), signedAnswer(200));
  app.get('/public', (c) => c.json({ ok: true }));
  return startConformanceServer(getRequestListener(app.fetch), tls, () => guard.close());
};
