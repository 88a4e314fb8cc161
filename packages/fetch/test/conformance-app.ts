import type { Principal, Requirements } from '@fapi-guard/core';
import {
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

/** The signed routes: requirements, the guard's third argument, the success status. */
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
};

/** The JSON the signed routes answer with: the principal and its verified request signature. */
function answerJson(principal: Principal) {
  const { subject, clientId, scopes, binding, authorizationDetails, acr } = principal;
  const signature = conformanceSignatureJson(principal);
  return { subject, clientId, scopes, binding, authorizationDetails, acr, signature };
}

/**
 * The signed routes of the conformance app of @fapi-guard/testing on a plain fetch handler
 * (the rest of the table runs on this guard through @fapi-guard/hono).
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
      const answer = withFapiHeaders(Response.json(answerJson(principal), { status }), principal);
      return call.signedResponse ? await guard.signResponse(request, answer) : answer;
    } catch (error) {
      if (isFapiError(error)) return fapiErrorResponse(error);
      throw error;
    }
  };
  return startConformanceServer(getRequestListener(handle), tls, () => guard.close());
};
