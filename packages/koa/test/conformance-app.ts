import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
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
import type Koa from 'koa';
import type { ParameterizedContext } from 'koa';
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
function principalJson(principal: Principal | undefined) {
  const { subject, clientId, scopes, binding, authorizationDetails, acr } = principal as Principal;
  return { subject, clientId, scopes, binding, authorizationDetails, acr };
}

const answer = (status: number) => (ctx: ParameterizedContext) => {
  ctx.status = status;
  ctx.body = principalJson(ctx.state.fapi);
};

/** The signed routes' answer: the principal JSON and the verified request signature. */
const signedAnswer = (status: number) => (ctx: ParameterizedContext) => {
  ctx.status = status;
  ctx.body = {
    ...principalJson(ctx.state.fapi),
    signature: conformanceSignatureJson(ctx.state.fapi),
  };
};

/** The conformance app of @fapi-guard/testing, on the given Koa major version. */
export function makeKoaApp(KoaClass: typeof Koa): MakeConformanceApp {
  return async ({ fapi, tls }) => {
    const app = new KoaClass();
    const guard = fapiGuard({ ...fapi, publicPaths: ['/public'] });
    const router = new Router();
    router.get('/accounts', requireScopes('accounts'), answer(200));
    router.post('/payments', requireScopes('payments').dpopBound(), answer(201));
    router.get('/mtls', mtlsBound(), answer(200));
    router.get('/any', requireAnyScope('admin', 'accounts'), answer(200));
    router.get('/unmarked', answer(200));
    router.post(
      '/consented-payments',
      requireAuthorizationDetails(CONFORMANCE_PAYMENT_CONSENT),
      answer(201),
    );
    router.get(
      '/accounts/:accountId',
      requireAuthorizationDetails(CONFORMANCE_ACCOUNT_CONSENT),
      answer(200),
    );
    router.get(
      '/strong',
      requireAcr(CONFORMANCE_STEP_UP.acrValues, { maxAge: CONFORMANCE_STEP_UP.maxAge }),
      answer(200),
    );
    router.get('/claims', requireClaims(CONFORMANCE_CLAIMS_RULE), answer(200));
    router.get(
      '/signed/accounts',
      signedResponse(),
      requireScopes('accounts').requireSignedRequest(),
      signedAnswer(200),
    );
    router.post(
      '/signed/payments',
      signedResponse(),
      requireScopes('payments').requireSignedRequest(),
      signedAnswer(201),
    );
    router.get('/signed/optional', requireSignedRequest('optional'), signedAnswer(200));
    router.get('/public', (ctx) => {
      ctx.body = { ok: true };
    });
    app.use(captureRawBody());
    app.use(bodyParser({ enableTypes: ['form', 'json'] }));
    app.use(guard);
    app.use(router.routes());
    return startConformanceServer(app.callback(), tls, () => guard.close());
  };
}
