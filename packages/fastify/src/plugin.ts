import {
  createResourceServer,
  FapiError,
  isFapiError,
  type Principal,
  type ResourceServerOptions,
} from '@fapi-guard/core';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { captureRawBody, rawBodyOf } from './raw-body.js';
import {
  compileRouteConfig,
  type CompiledRouteConfig,
  type GuardCapabilities,
} from './route-config.js';
import { routeContext, toRequestLike } from './request.js';
import { signPayload } from './signed-response.js';

/** Options of the {@link fapiGuard} plugin: core's options, plus what only Fastify decides. */
export interface FapiGuardOptions extends ResourceServerOptions {
  /**
   * Use the scheme and host Fastify resolved from `X-Forwarded-Proto` / `X-Forwarded-Host`
   * (`request.protocol`, `request.host`) when rebuilding the DPoP `htu`; set it together with
   * Fastify's own `trustProxy` server option, which decides which peers may send those headers.
   * Default `false`: the TLS socket and the `Host` header (a plugin cannot read the server's
   * `trustProxy`). Ignored for `htu` when `publicUrl` is set, the better choice behind a proxy.
   */
  trustProxy?: boolean;
}

/**
 * The FAPI 2.0 guard as a Fastify plugin. Registered with `app.register(fapiGuard, options)`,
 * it guards every route of the context it is registered in (and of that context's children),
 * whatever the order of registration, including the not-found handler: each request is
 * verified (access token, DPoP proof or client certificate) after its body is parsed
 * (`preValidation`), the route's `config.fapi` requirements are checked against the principal
 * (a matcher sees `request.params`, `request.query` and `request.body`), and the principal is
 * on `request.fapi`, with the `authorizationDetails` the requirements matched. A rejection is answered with its status,
 * `WWW-Authenticate` challenge and JSON body. Registered in a child context (inside another
 * plugin), it guards only that context.
 *
 * A route opts out with `config: { fapi: { public: true } }`; there is no path list, so no
 * path spelling can make a guarded route public. `config.fapi` is checked when the route is
 * registered: a typo is a startup error (a TypeError naming the route). Routes registered
 * before the plugin has loaded (without `await app.register(...)`) are checked on their first
 * request instead, answering 500 `ERR_FAPI_MISCONFIGURED` until fixed, never running
 * unguarded. `onClose` releases the verifier.
 *
 * HTTP message signatures, per route: with `signedRequest` in `config.fapi`, a `preParsing`
 * hook tees the body bytes for the `Content-Digest` check while Fastify's own parsers read the
 * body as usual; with `signedResponse: true`, `onSend` signs the serialized payload of an
 * accepted request (never a rejection) and sends exactly the bytes it signed.
 *
 * @example
 * ```ts
 * const app = Fastify();
 * await app.register(fapiGuard, { issuer, audience, jwksUri });
 * app.get('/health', { config: { fapi: { public: true } } }, () => ({ ok: true }));
 * app.get('/accounts', { config: { fapi: { scopes: ['accounts'] } } }, (request) => ({
 *   subject: request.fapi?.subject,
 * }));
 * ```
 * @see https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.3.4
 */
export const fapiGuard: FastifyPluginAsync<FapiGuardOptions> = fp(registerFapiGuard, {
  fastify: '5.x',
  name: '@fapi-guard/fastify',
});

async function registerFapiGuard(app: FastifyInstance, options: FapiGuardOptions): Promise<void> {
  const { trustProxy: trustProxyOption, ...fapi } = options;
  if (trustProxyOption !== undefined && typeof trustProxyOption !== 'boolean') {
    throw new TypeError('trustProxy: must be a boolean');
  }
  const trustProxy = trustProxyOption ?? false;
  const resourceServer = createResourceServer(withoutFastifyKeys(fapi));
  const capabilities: GuardCapabilities = {
    verifiesSignatures: fapi.httpSignatures !== undefined,
    signsResponses: resourceServer.signsResponses,
  };
  const compiled = new WeakMap<object, CompiledRouteConfig>();
  // The principal of each request accepted on a `signedResponse` route, until its answer is signed.
  const signing = new WeakMap<FastifyRequest, Principal>();

  app.decorate('fapiResourceServer', resourceServer);
  if (!app.hasRequestDecorator('fapi')) app.decorateRequest('fapi', null);
  app.addHook('onClose', () => resourceServer.close());
  app.addHook('onRoute', (route) => {
    const where = `route ${String(route.method)} ${route.url}`;
    const fapiConfig = (route.config as { fapi?: unknown } | undefined)?.fapi;
    compileRouteConfig(where, fapiConfig, capabilities);
  });
  app.addHook('preParsing', async (request, _reply, payload) => {
    let route: CompiledRouteConfig;
    try {
      route = routeConfigOf(request, compiled, capabilities);
    } catch {
      return payload; // answered 500 in preValidation
    }
    if (route.public || !route.rawBody) return payload;
    return captureRawBody(
      request,
      payload,
      request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 1_048_576,
    );
  });
  app.addHook('preValidation', async (request, reply) => {
    let route: CompiledRouteConfig;
    try {
      route = routeConfigOf(request, compiled, capabilities);
    } catch (cause) {
      return sendFapiError(reply, new FapiError('ERR_FAPI_MISCONFIGURED', { cause }));
    }
    if (route.public) return;
    if (route.rawBody) await rawBodyOf(request); // a 413 beyond bodyLimit, as Fastify's own
    const authorization = resourceServer.forRequest(request.raw, () =>
      toRequestLike(request, trustProxy),
    );
    try {
      const principal = route.requirements
        ? await authorization.require(route.requirements, routeContext(request))
        : await authorization.principal();
      accept(request, reply, principal);
      if (route.signedResponse) signing.set(request, principal);
    } catch (error) {
      if (!isFapiError(error)) throw error;
      return sendFapiError(reply, error);
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const principal = signing.get(request);
    if (principal === undefined) return payload; // not a signed route, or a guard rejection
    signing.delete(request); // an error answer raised from here is not signed again
    return signPayload(
      resourceServer,
      reply,
      principal,
      () => toRequestLike(request, trustProxy),
      payload,
    );
  });
}

/** The route's checked `config.fapi`, compiled once per route. */
function routeConfigOf(
  request: FastifyRequest,
  compiled: WeakMap<object, CompiledRouteConfig>,
  capabilities: GuardCapabilities,
): CompiledRouteConfig {
  const { config, method, url } = request.routeOptions;
  const key = config as object;
  let route = compiled.get(key);
  if (!route) {
    const where = `route ${String(method)} ${url ?? '(not found)'}`;
    route = compileRouteConfig(where, (config as { fapi?: unknown }).fapi, capabilities);
    compiled.set(key, route);
  }
  return route;
}

function accept(request: FastifyRequest, reply: FastifyReply, principal: Principal): void {
  request.fapi = principal;
  reply.headers(principal.responseHeaders);
}

/** Writes a FapiError as core renders it: status, headers, JSON `{ error, error_description }`. */
function sendFapiError(reply: FastifyReply, error: FapiError): FastifyReply {
  return reply.code(error.status).headers(error.headers).send(error.body());
}

/** Fastify adds its own keys to plugin options; core refuses unknown keys, so drop them. */
function withoutFastifyKeys(options: ResourceServerOptions): ResourceServerOptions {
  const {
    prefix: _prefix,
    logLevel: _logLevel,
    logSerializers: _logSerializers,
    ...rest
  } = options as ResourceServerOptions & Record<string, unknown>;
  return rest as ResourceServerOptions;
}
