import type { Principal, Requirements } from '@fapi-guard/core';
import {
  CONFORMANCE_CLAIMS_RULE,
  CONFORMANCE_STEP_UP,
  conformanceSignatureJson,
  startConformanceServer,
  type MakeConformanceApp,
} from '@fapi-guard/testing';
import { getRequestListener } from '@hono/node-server';
import {
  createFetchGuard,
  fapiErrorResponse,
  isFapiError,
  withFapiHeaders,
  type GuardCallOptions,
} from '../src/index.js';

/** The routes: requirements, the guard's third argument, the success status. */
const ROUTES: Record<string, [Requirements, GuardCallOptions, number]> = {
  'GET /signed/accounts': [
    { scopes: ['accounts'], signedRequest: 'required' },
    { signedResponse: true },
    200,
  ],
  'POST /signed/payments': [
    { scopes: ['payments'], signedRequest: 'required' },
    { signedResponse: true },
    201,
  ],
  'GET /signed/optional': [{ signedRequest: 'optional' }, {}, 200],
  'GET /strong': [{ ...CONFORMANCE_STEP_UP }, {}, 200],
  'GET /claims': [{ claims: CONFORMANCE_CLAIMS_RULE }, {}, 200],
};

/** The JSON the routes answer with: the principal, and on signed routes its verified signature. */
function answerJson(principal: Principal, requirements: Requirements) {
  const { subject, clientId, scopes, binding, authorizationDetails, acr } = principal;
  return {
    ...{ subject, clientId, scopes, binding, authorizationDetails, acr },
    ...(requirements.signedRequest && { signature: conformanceSignatureJson(principal) }),
  };
}

/**
 * The routes of the conformance app of @fapi-guard/testing that need no router: the signed
 * routes and the route-level step-up and claims rules (the rest of the table, whose routes have
 * path parameters or JSON bodies for a matcher, runs on this guard through @fapi-guard/hono).
 */
export const makeFetchApp: MakeConformanceApp = async ({ fapi, tls }) => {
  const guard = createFetchGuard(fapi);
  const handle = async (request: Request): Promise<Response> => {
    const route = ROUTES[`${request.method} ${new URL(request.url).pathname}`];
    if (!route) return Response.json({}, { status: 404 });
    const [requirements, call, status] = route;
    try {
      const principal = await guard(request, requirements, call);
      if (request.body) await request.json(); // the handler still reads the body
      const answer = withFapiHeaders(
        Response.json(answerJson(principal, requirements), { status }),
        principal,
      );
      return call.signedResponse ? await guard.signResponse(request, answer) : answer;
    } catch (error) {
      if (isFapiError(error)) return fapiErrorResponse(error);
      throw error;
    }
  };
  return startConformanceServer(getRequestListener(handle), tls, () => guard.close());
};
