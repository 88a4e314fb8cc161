import {
  Inject,
  Injectable,
  Logger,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import type { ServerResponse } from 'node:http';
import type { Observable } from 'rxjs';
import {
  FapiError,
  holdBackResponse,
  isFapiError,
  normalizeResponseHeaders,
  type Principal,
  type ResourceServer,
} from '@fapi-guard/core';
import { FAPI_RESOURCE_SERVER } from './fapi.constants.js';
import { FapiHttpException } from './fapi-http.exception.js';
import type { FapiRequest } from './fapi-principal.decorator.js';
import { fromPlatformRequest } from './platform-request.util.js';
import { payloadBytes, type ResponseSigner } from './response-capture.util.js';
import { isSignedResponseRoute } from './route-policy.decorator.js';

/** The members of a Fastify reply the `onSend` hook uses. */
interface FastifyReplyLike {
  statusCode: number;
  getHeaders(): Record<string, number | string | string[] | undefined>;
  header(name: string, value: string): unknown;
  removeHeader(name: string): unknown;
  code(status: number): unknown;
}

interface FastifyInstanceLike {
  addHook(
    name: 'onSend',
    hook: (request: object, reply: FastifyReplyLike, payload: unknown) => Promise<unknown>,
  ): unknown;
}

/**
 * Signs the answers of `@SignedResponse()` routes (RFC 9421, `tag="fapi-2-response"`) over the
 * bytes actually sent: on Express it buffers `res.write`/`res.end` from the moment the route is
 * reached; on Fastify an `onSend` hook of the instance signs the serialized payload. The
 * handler's result, `@HttpCode`, `@Header` and the exception filter's answer to a handler
 * exception are all covered. It starts after every guard passed, so a rejection by
 * `FapiGuard` (or any guard) is never signed: signing answers to unauthenticated requests
 * would make the server a signing oracle. When signing fails the answer is replaced by an
 * unsigned 500 `ERR_FAPI_MISCONFIGURED`, never sent unsigned. `FapiGuardModule` registers it
 * as `APP_INTERCEPTOR`.
 *
 * @example
 * ```ts
 * @SignedResponse()
 * @Get('accounts')
 * list() { return accounts; } // answered with Content-Digest, Signature-Input, Signature
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-2.4, RS-SIG-05
 */
@Injectable()
export class FapiSignedResponseInterceptor implements NestInterceptor, OnModuleInit {
  private readonly logger = new Logger('FapiGuard');
  /** Fastify requests whose answer is to be signed, with their principal. */
  private readonly pending = new WeakMap<object, Principal>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(FAPI_RESOURCE_SERVER) private readonly resourceServer: ResourceServer,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** On Fastify, adds the `onSend` hook that signs the answers marked by {@link intercept}. */
  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (adapter?.getType() !== 'fastify') return;
    adapter
      .getInstance<FastifyInstanceLike>()
      .addHook('onSend', async (request, reply, payload) => {
        const principal = this.pending.get(request);
        if (principal === undefined) return payload;
        this.pending.delete(request);
        return this.signFastify(request, principal, reply, payload);
      });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (
      context.getType() !== 'http' ||
      !isSignedResponseRoute(this.reflector, context.getHandler(), context.getClass())
    ) {
      return next.handle();
    }
    const http = context.switchToHttp();
    const request = http.getRequest<object & FapiRequest>();
    const principal = request.fapi;
    if (!this.resourceServer.signsResponses || principal === undefined) {
      // Before the handler: a route promising signed answers never runs without a signer.
      const why = principal
        ? 'no response signing key is configured'
        : 'no FapiGuard verified this request';
      throw new FapiHttpException(
        new FapiError('ERR_FAPI_MISCONFIGURED', {
          cause: new TypeError(`@SignedResponse(): ${why}`),
        }),
      );
    }
    if (this.adapterHost.httpAdapter.getType() === 'fastify') {
      this.pending.set(request, principal);
    } else {
      this.holdBack(request, http.getResponse<ServerResponse>(), principal);
    }
    return next.handle();
  }

  /** On Express: holds back what is written to `res`, then signs it or sends the 500. */
  private holdBack(request: object, res: ServerResponse, principal: Principal): void {
    const signer = this.signer(request, principal);
    holdBackResponse(res, {
      method: (request as { method?: string }).method,
      sign: signer.sign,
      fail: (error, callback) => {
        const replacement = signer.fallback(error);
        res.statusCode = replacement.status;
        for (const [name, value] of Object.entries(replacement.headers)) res.setHeader(name, value);
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(replacement.body, callback);
      },
    });
  }

  private async signFastify(
    request: object,
    principal: Principal,
    reply: FastifyReplyLike,
    payload: unknown,
  ): Promise<unknown> {
    const signer = this.signer(request, principal);
    try {
      const body = await payloadBytes(payload);
      const headers = normalizeResponseHeaders(reply.getHeaders());
      const signature = signer.sign({ status: reply.statusCode, headers, body });
      for (const [name, value] of Object.entries(signature)) reply.header(name, value);
      return body;
    } catch (error) {
      const replacement = signer.fallback(error);
      for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
      reply.code(replacement.status);
      for (const [name, value] of Object.entries(replacement.headers)) reply.header(name, value);
      reply.header('content-type', 'application/json; charset=utf-8');
      return replacement.body;
    }
  }

  private signer(request: object, principal: Principal): ResponseSigner {
    return {
      sign: ({ status, headers, body }) =>
        this.resourceServer.signResponse(fromPlatformRequest(request), principal, {
          status,
          headers,
          body,
        }),
      fallback: (error) => {
        const failure = isFapiError(error)
          ? error
          : new FapiError('ERR_FAPI_MISCONFIGURED', { cause: error });
        const cause = failure.cause instanceof Error ? `: ${failure.cause.message}` : '';
        this.logger.error(`@SignedResponse(): ${failure.code}${cause}`);
        return {
          status: failure.status,
          headers: {
            ...failure.headers,
            'x-fapi-interaction-id': principal.interactionId,
            'cache-control': 'no-store',
          },
          body: JSON.stringify(failure.body()),
        };
      },
    };
  }
}
