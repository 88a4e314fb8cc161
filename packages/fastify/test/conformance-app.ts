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
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { fapiGuard } from '../src/index.js';

/** The JSON every guarded conformance route answers with. */
export function principalJson(principal: Principal | null) {
  const { subject, clientId, scopes, binding, authorizationDetails, acr } = principal as Principal;
  return { subject, clientId, scopes, binding, authorizationDetails, acr };
}

/**
 * Parses form bodies before the guard (Fastify parses only JSON and text by itself), so a body
 * `access_token` reaches core. Fastify answers 415 to a body it has no parser for, including a
 * bodyless POST sent with `Transfer-Encoding: chunked` and no `Content-Type` (what node:http
 * sends): like Express, leave such bodies unparsed so the guard decides.
 */
export function parseForms(app: FastifyInstance): void {
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => {
    done(null, undefined);
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
}

/** The conformance app of @fapi-guard/testing on Fastify 5, served by the suite's Node server. */
export const makeFastifyApp: MakeConformanceApp = async ({ fapi, tls }) => {
  const app = Fastify();
  parseForms(app);
  await app.register(fapiGuard, fapi);
  const answer = (request: FastifyRequest) => principalJson(request.fapi);
  app.get('/accounts', { config: { fapi: { scopes: ['accounts'] } } }, answer);
  app.post(
    '/payments',
    { config: { fapi: { scopes: ['payments'], binding: 'dpop' } } },
    (r, reply) => reply.code(201).send(answer(r)),
  );
  app.get('/mtls', { config: { fapi: { binding: 'mtls' } } }, answer);
  app.get('/any', { config: { fapi: { anyScope: ['admin', 'accounts'] } } }, answer);
  app.get('/unmarked', answer);
  app.post(
    '/consented-payments',
    { config: { fapi: { authorizationDetails: CONFORMANCE_PAYMENT_CONSENT } } },
    (r, reply) => reply.code(201).send(answer(r)),
  );
  app.get(
    '/accounts/:accountId',
    { config: { fapi: { authorizationDetails: CONFORMANCE_ACCOUNT_CONSENT } } },
    answer,
  );
  app.get(
    '/strong',
    {
      config: {
        fapi: { acrValues: CONFORMANCE_STEP_UP.acrValues, maxAge: CONFORMANCE_STEP_UP.maxAge },
      },
    },
    answer,
  );
  app.get('/claims', { config: { fapi: { claims: CONFORMANCE_CLAIMS_RULE } } }, answer);
  const signedAnswer = (request: FastifyRequest) => ({
    ...principalJson(request.fapi),
    signature: conformanceSignatureJson(request.fapi ?? undefined),
  });
  app.get(
    '/signed/accounts',
    { config: { fapi: { scopes: ['accounts'], signedRequest: 'required', signedResponse: true } } },
    signedAnswer,
  );
  app.post(
    '/signed/payments',
    { config: { fapi: { scopes: ['payments'], signedRequest: 'required', signedResponse: true } } },
    (r, reply) => reply.code(201).send(signedAnswer(r)),
  );
  app.get('/signed/optional', { config: { fapi: { signedRequest: 'optional' } } }, signedAnswer);
  app.get('/public', { config: { fapi: { public: true } } }, () => ({ ok: true }));
  await app.ready();
  return startConformanceServer(
    (req, res) => app.routing(req, res),
    tls,
    () => app.close(),
  );
};
