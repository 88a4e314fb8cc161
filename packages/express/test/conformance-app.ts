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
import type express from 'express';
import type { Response } from 'express';
import {
  captureRawBody,
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

const answer = (status: number) => (req: express.Request, res: Response) =>
  res.status(status).json(principalJson(req.fapi));

/** The signed routes' answer: the principal JSON and the verified request signature. */
const signedAnswer = (status: number) => (req: express.Request, res: Response) =>
  res
    .status(status)
    .json({ ...principalJson(req.fapi), signature: conformanceSignatureJson(req.fapi) });

/** The conformance app of @fapi-guard/testing, on the given Express major version. */
export function makeExpressApp(createApp: typeof express): MakeConformanceApp {
  return async ({ fapi, tls }) => {
    const app = createApp();
    const guard = fapiGuard({ ...fapi, publicPaths: ['/public'] });
    app.use(createApp.urlencoded({ extended: false, verify: captureRawBody }));
    app.use(createApp.json({ verify: captureRawBody }));
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
      signedResponse(),
      requireScopes('accounts').requireSignedRequest(),
      signedAnswer(200),
    );
    app.post(
      '/signed/payments',
      signedResponse(),
      requireScopes('payments').requireSignedRequest(),
      signedAnswer(201),
    );
    app.get('/signed/optional', requireSignedRequest('optional'), signedAnswer(200));
    app.get('/public', (_req, res) => res.json({ ok: true }));
    return startConformanceServer(app, tls, () => guard.close());
  };
}
