/**
 * A route's consent-level requirements checked inside its handler, against the principal the
 * global guard verified for this request (core's `forRequest`: the token is never verified
 * twice). For rules that depend on the validated body or on configuration, which a static
 * decorator cannot express: the payment's consent and the strong-authentication threshold.
 */
import { Inject, Injectable } from '@nestjs/common';
import {
  FAPI_RESOURCE_SERVER,
  FapiHttpException,
  fromPlatformRequest,
  type Principal,
  type Requirements,
  type ResourceServer,
} from '@fapi-guard/nestjs';
import { isFapiError, type RequirementContext } from '@fapi-guard/core';

/** The parts of an Express request a consent rule reads. */
export interface RouteRequest {
  method: string;
  path: string;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body?: unknown;
}

/**
 * Checks consent requirements for the current request; a refusal is core's FapiError (403
 * `insufficient_authorization_details`, 401 `insufficient_user_authentication` with
 * `acr_values`), rendered by fapi-guard's exception filter.
 *
 * @example
 * const principal = await gate.require(request, { acrValues: ['urn:fapi-guard:acr:strong'] });
 */
@Injectable()
export class ConsentGate {
  constructor(@Inject(FAPI_RESOURCE_SERVER) private readonly server: ResourceServer) {}

  /**
   * `options.body` replaces the request's raw body as the matchers see it (pass the validated
   * body); `request` itself stays the key of the request's verification.
   */
  async require(
    request: RouteRequest,
    requirements: Requirements,
    options: { body?: unknown } = {},
  ): Promise<Principal> {
    const context: RequirementContext = {
      method: request.method,
      path: request.path,
      params: { ...request.params },
      query: { ...request.query },
      body: 'body' in options ? options.body : request.body,
    };
    try {
      return await this.server
        .forRequest(request, () => fromPlatformRequest(request))
        .require(requirements, context);
    } catch (error) {
      if (isFapiError(error)) throw new FapiHttpException(error);
      throw error;
    }
  }
}
