import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type CanActivate,
  type ExecutionContext,
  type HttpException,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import {
  isFapiError,
  type FapiError,
  type Principal,
  type RequestLike,
  type RequirementContext,
  type Requirements,
  type ResourceServer,
} from '@fapi-guard/core';
import { FAPI_RESOURCE_SERVER } from './fapi.constants.js';
import { FapiHttpException } from './fapi-http.exception.js';
import type { FapiRequest } from './fapi-principal.decorator.js';
import { fromPlatformRequest, requirementContextOf } from './platform-request.util.js';
import { isPublicRoute, routeRequirements } from './route-policy.decorator.js';

/** Why a signed route has no body bytes, and the fix (logged, never sent to the client). */
const RAW_BODY_FIX =
  'a signed request has a body but req.rawBody is missing: create the application with ' +
  'NestFactory.create(AppModule, adapter, { rawBody: true }) (Nest keeps the bytes of JSON and ' +
  'URL-encoded bodies; give other media types a parser that keeps req.rawBody)';

/**
 * Lets a request through when core's verifier accepts its access token (and DPoP proof or TLS
 * client certificate) for the route's requirements; otherwise throws a `FapiHttpException`
 * that `FapiExceptionFilter` renders with RFC 6750 / RFC 9449 headers.
 *
 * On success the principal is attached as `request.fapi` (see `@FapiPrincipal()`) and core's
 * success headers (`x-fapi-interaction-id`, `Cache-Control: no-store`, a rotated `DPoP-Nonce`)
 * are set on the response before the handler runs, so they are also present when the handler
 * itself fails. `@Public()` routes are skipped entirely. Non-HTTP contexts are denied unless
 * `getRequest` is overridden. A route with `@SignedRequest` is verified over `req.rawBody`
 * (the `rawBody: true` application option); a body without it is a 500
 * `ERR_FAPI_MISCONFIGURED`. The cause of a 500 is logged (Nest's `Logger`, context
 * `FapiGuard`), never sent.
 *
 * Several FapiGuards on one route (the module's global guard plus a `@UseGuards` subclass)
 * share one verification through core's `forRequest`: the token and its DPoP proof or
 * certificate are checked once per request, then each guard's own requirements are checked
 * against that principal (403 `insufficient_scope` when a later guard asks for more).
 *
 * Extend it and override the protected hooks; register the subclass with `@UseGuards()` or as
 * `APP_GUARD` (with the module's `global` left off).
 *
 * @example
 * ```ts
 * @Injectable()
 * class AuditedFapiGuard extends FapiGuard {
 *   protected override onPrincipal(principal: Principal) {
 *     audit.info({ client: principal.clientId, interaction: principal.interactionId });
 *     return principal.claims.acr === 'urn:bank:sca';
 *   }
 * }
 * ```
 * @see RFC 6750 §3 (the challenge), RFC 9449 §7 (DPoP-bound tokens), RFC 8705 §3 (mTLS)
 */
@Injectable()
export class FapiGuard implements CanActivate {
  private readonly logger = new Logger('FapiGuard');

  constructor(
    protected readonly reflector: Reflector,
    @Inject(FAPI_RESOURCE_SERVER) protected readonly resourceServer: ResourceServer,
    @Optional() protected readonly adapterHost?: HttpAdapterHost,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublic(context)) return true;
    const request = this.getRequest(context);
    if (!request) return false;
    const requirements = this.getRequirements(context);
    const principal = await this.authorize(context, request, requirements);
    request.fapi = principal;
    this.setResponseHeaders(context, principal.responseHeaders);
    return this.onPrincipal(principal, context);
  }

  /** Whether `@Public()` applies, the handler's setting beating the class's. */
  protected isPublic(context: ExecutionContext): boolean {
    return isPublicRoute(this.reflector, context.getHandler(), context.getClass());
  }

  /**
   * What the route needs of the token, from `@RequireScopes`, `@RequireAnyScope`, `@DpopBound`,
   * `@MtlsBound`, `@RequireAuthorizationDetails`, `@RequireAcr` and `@RequireClaims`; for each,
   * the handler's decorator replaces the class's.
   */
  protected getRequirements(context: ExecutionContext): Requirements {
    return routeRequirements(this.reflector, context.getHandler(), context.getClass());
  }

  /**
   * The platform request the principal is attached to; `undefined` denies the request. Default:
   * the HTTP request for `http` contexts (override for GraphQL and other transports).
   */
  protected getRequest(context: ExecutionContext): (object & FapiRequest) | undefined {
    return context.getType() === 'http' ? context.switchToHttp().getRequest<object>() : undefined;
  }

  /** The platform response the success headers go to; `undefined` skips them. */
  protected getResponse(context: ExecutionContext): object | undefined {
    return context.getType() === 'http' ? context.switchToHttp().getResponse<object>() : undefined;
  }

  /**
   * The request as core sees it. Default: core's `fromNodeRequest` on the underlying Node
   * request (Express `req`, Fastify `request.raw`) with the original URL, the parsed body, and
   * the scheme and host the platform resolved (forwarded headers only under its trust-proxy
   * setting). Override to pass `peerAddress` from elsewhere or to read a certificate another way.
   */
  protected toRequestLike(context: ExecutionContext): RequestLike {
    return fromPlatformRequest(this.getRequest(context) as object);
  }

  /**
   * What an authorization details `match` sees: the method, path, and the platform request's
   * `params`, `query` and parsed `body`. Override to expose another shape.
   */
  protected getRequirementContext(context: ExecutionContext): RequirementContext {
    return requirementContextOf(this.getRequest(context) as object);
  }

  /**
   * Called once the token passed, after `request.fapi` and the success headers are set. Return
   * `false` (Nest answers 403) or throw to refuse anyway; the default allows.
   */
  protected onPrincipal(
    _principal: Principal,
    _context: ExecutionContext,
  ): boolean | Promise<boolean> {
    return true;
  }

  /** The exception thrown for a rejection. Default: `new FapiHttpException(error)`. */
  protected toException(error: FapiError): HttpException {
    return new FapiHttpException(error);
  }

  /**
   * Core's pipeline for this request: the token and its binding are verified once per platform
   * request (whichever FapiGuard runs first), then `requirements` are checked against that
   * principal, so a second guard adding requirements never presents the DPoP proof again.
   */
  private async authorize(
    context: ExecutionContext,
    request: object,
    requirements: Requirements,
  ): Promise<Principal> {
    try {
      return await this.resourceServer
        .forRequest(request, () => this.describeRequest(context, request, requirements))
        .require(requirements, this.getRequirementContext(context));
    } catch (error) {
      if (!isFapiError(error)) throw error;
      if (error.status >= 500) {
        const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
        this.logger.error(`${error.code}${cause}`);
      }
      // Also on the response now, so a catch-all filter of the application that renders the
      // exception before FapiExceptionFilter can still send the challenge.
      this.setResponseHeaders(context, error.headers);
      throw this.toException(error);
    }
  }

  /**
   * {@link toRequestLike}, refusing a signed route's body whose bytes the platform did not keep
   * (core would refuse it too, without naming Nest's fix).
   */
  private describeRequest(
    context: ExecutionContext,
    request: object,
    requirements: Requirements,
  ): RequestLike {
    const described = this.toRequestLike(context);
    // Only a request that is signed needs its bytes: an unsigned one is core's 401 (or passes
    // an optional route), a client mistake that must not become a 500.
    if (
      requirements.signedRequest !== undefined &&
      described.rawBody === undefined &&
      announcesBody(request) &&
      presentsSignature(request)
    ) {
      throw new TypeError(RAW_BODY_FIX);
    }
    return described;
  }

  private setResponseHeaders(context: ExecutionContext, headers: Record<string, string>): void {
    const response = this.getResponse(context);
    if (!response) return;
    const adapter = this.adapterHost?.httpAdapter;
    for (const [name, value] of Object.entries(headers)) {
      if (adapter) adapter.setHeader(response, name, value);
      else setHeaderDirectly(response, name, value);
    }
  }
}

/** Without an HTTP adapter (a hand-made context): Express/Fastify `header()`, else Node's. */
function setHeaderDirectly(response: object, name: string, value: string): void {
  const target = response as {
    header?: (name: string, value: string) => unknown;
    setHeader?: (name: string, value: string) => unknown;
  };
  if (typeof target.header === 'function') target.header(name, value);
  else target.setHeader?.(name, value);
}

/** Whether the platform request's framing headers announce a body. */
function presentsSignature(request: object): boolean {
  const headers = (request as { headers?: Record<string, unknown> }).headers;
  return headers?.['signature'] !== undefined || headers?.['signature-input'] !== undefined;
}

function announcesBody(request: object): boolean {
  const headers = (request as { headers?: Record<string, string | string[] | undefined> }).headers;
  const length = headers?.['content-length'];
  return (
    headers?.['transfer-encoding'] !== undefined ||
    (typeof length === 'string' && length.trim() !== '0')
  );
}
