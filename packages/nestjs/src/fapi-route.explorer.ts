import { Inject, Injectable, type OnModuleInit, type Type } from '@nestjs/common';
import { GUARDS_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import {
  APP_GUARD,
  DiscoveryService,
  MetadataScanner,
  ModulesContainer,
  Reflector,
} from '@nestjs/core';
import { assertRequirements, type ResourceServer } from '@fapi-guard/core';
import { FAPI_RESOURCE_SERVER } from './fapi.constants.js';
import { FapiGuard } from './fapi.guard.js';
import {
  FAPI_GUARD_MODULE_OPTIONS,
  type FapiGuardModuleOptions,
} from './fapi-guard.module-definition.js';
import { principalParameter } from './fapi-principal.decorator.js';
import {
  isPublicRoute,
  isSignedResponseRoute,
  REQUIREMENT_METADATA,
  routeRequirements,
} from './route-policy.decorator.js';

/** How a route handler uses fapi-guard, read from its metadata. */
interface RouteUse {
  /** `Controller.handler`, for messages. */
  name: string;
  /** The requirement decorators on the handler or its class, e.g. `@RequireScopes`. */
  decorators: string[];
  /** Whether a parameter is `@FapiPrincipal()`. */
  principal: boolean;
  /** Whether `@SignedRequest` applies (handler or class). */
  signedRequest: boolean;
  /** Whether `@SignedResponse()` applies (handler or class). */
  signedResponse: boolean;
  public: boolean;
  /** Whether `@UseGuards` on the handler or its class names FapiGuard or a subclass. */
  guarded: boolean;
}

/** What the application can do, for the routes that need it. */
interface Capabilities {
  globallyGuarded: boolean;
  /** The module options carry `httpSignatures`. */
  verifiesSignatures: boolean;
  /** `rs.signsResponses`: a response signing key is configured. */
  signsResponses: boolean;
}

const FIX =
  'protect it with FapiGuardModule.forRoot({ ..., global: true }), a FapiGuard (or subclass) ' +
  'registered as APP_GUARD, or @UseGuards(FapiGuard) on the handler or its controller';

/**
 * Checks every controller route when the application starts, so a fapi-guard decorator can
 * never be silently ignored: a handler carrying `@RequireScopes`, `@RequireAnyScope`,
 * `@DpopBound`, `@MtlsBound` (on itself or its class) or a `@FapiPrincipal()` parameter must be
 * protected by a FapiGuard, and must not be `@Public()`; `@SignedRequest` needs the module's
 * `httpSignatures` option, `@SignedResponse()` a response signing key (`rs.signsResponses`)
 * and a FapiGuard on a non-public route. Any offending handler fails the
 * bootstrap with an Error naming `Controller.handler` and the fix; a requirement of a bad shape
 * fails it with core's TypeError. `FapiGuardModule` provides it.
 *
 * Guards registered with `app.useGlobalGuards()` are not visible to it: register a global
 * FapiGuard with the module's `global: true` or as `APP_GUARD` instead.
 *
 * @example
 * ```ts
 * // FapiGuardModule.forRoot({ ...options }) without `global: true`, and no @UseGuards:
 * @Controller('payments')
 * class PaymentsController {
 *   @RequireScopes('payments')
 *   @Post()
 *   pay() {}
 * }
 * await app.init();
 * // Error: fapi-guard: PaymentsController.pay uses @RequireScopes but no FapiGuard runs on it: ...
 * ```
 */
@Injectable()
export class FapiRouteExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly modules: ModulesContainer,
    private readonly reflector: Reflector,
    @Inject(FAPI_GUARD_MODULE_OPTIONS) private readonly options: FapiGuardModuleOptions,
    @Inject(FAPI_RESOURCE_SERVER) private readonly resourceServer: ResourceServer,
  ) {}

  onModuleInit(): void {
    const capabilities: Capabilities = {
      globallyGuarded: this.hasGlobalFapiGuard(),
      verifiesSignatures: this.options.httpSignatures !== undefined,
      signsResponses: this.resourceServer.signsResponses,
    };
    const problems: string[] = [];
    for (const route of this.routes()) {
      const problem = describeProblem(route, capabilities);
      if (problem) problems.push(problem);
    }
    if (problems.length > 0) throw new Error(problems.join('\n'));
  }

  /** Whether an `APP_GUARD` provider (the module's `global: true` included) is a FapiGuard. */
  private hasGlobalFapiGuard(): boolean {
    for (const module of this.modules.values()) {
      for (const [token, wrapper] of [...module.providers, ...module.injectables]) {
        if (typeof token !== 'string' || !token.startsWith(`${APP_GUARD} `)) continue;
        const target: unknown = wrapper.isAlias ? wrapper.inject?.[0] : wrapper.metatype;
        const isClass = wrapper.isAlias || !wrapper.inject;
        if (wrapper.instance instanceof FapiGuard || (isClass && isFapiGuardClass(target))) {
          return true;
        }
      }
    }
    return false;
  }

  private *routes(): Generator<RouteUse> {
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Type | null;
      if (typeof controller !== 'function') continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method];
        if (
          typeof handler !== 'function' ||
          this.reflector.get(PATH_METADATA, handler) === undefined
        ) {
          continue;
        }
        yield this.describeRoute(controller, method, handler);
      }
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- a route handler
  private describeRoute(controller: Type, method: string, handler: Function): RouteUse {
    const name = `${controller.name}.${method}`;
    const decorators = [...REQUIREMENT_METADATA]
      .filter(([key]) => this.reflector.getAllAndOverride(key, [handler, controller]) !== undefined)
      .map(([, decorator]) => decorator);
    if (decorators.length > 0) {
      assertRequirements(
        `fapi-guard: ${name}`,
        routeRequirements(this.reflector, handler, controller),
      );
    }
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
      string,
      { factory?: unknown }
    >;
    const guards = [
      ...((this.reflector.get(GUARDS_METADATA, handler) as unknown[] | undefined) ?? []),
      ...((this.reflector.get(GUARDS_METADATA, controller) as unknown[] | undefined) ?? []),
    ];
    return {
      name,
      decorators,
      principal: Object.values(args).some((arg) => arg.factory === principalParameter),
      signedRequest: decorators.includes('@SignedRequest'),
      signedResponse: isSignedResponseRoute(this.reflector, handler, controller),
      public: isPublicRoute(this.reflector, handler, controller),
      guarded: guards.some((guard) => guard instanceof FapiGuard || isFapiGuardClass(guard)),
    };
  }
}

/** The startup error for one route, or `undefined` when it is fine. */
function describeProblem(route: RouteUse, capabilities: Capabilities): string | undefined {
  if (route.signedRequest && !capabilities.verifiesSignatures) {
    return `fapi-guard: ${route.name} uses @SignedRequest but FapiGuardModule has no httpSignatures option, so no signature could be verified: pass httpSignatures: httpSignatures({ resolveClientKey }) from @fapi-guard/http-signatures`;
  }
  if (route.signedResponse && !capabilities.signsResponses) {
    return `fapi-guard: ${route.name} uses @SignedResponse() but no response signing key is configured: pass httpSignatures: httpSignatures({ resolveClientKey, responseSigning: { key, keyId, algorithm } })`;
  }
  const uses = [
    ...route.decorators,
    ...(route.signedResponse ? ['@SignedResponse()'] : []),
    ...(route.principal ? ['@FapiPrincipal()'] : []),
  ];
  if (uses.length === 0) return undefined;
  if (route.public) {
    const why = route.principal
      ? 'a public route has no principal'
      : 'a public route checks no token, so the requirement would do nothing';
    return `fapi-guard: ${route.name} is @Public() but uses ${uses.join(', ')}: ${why}; remove @Public() or the decorator`;
  }
  if (capabilities.globallyGuarded || route.guarded) return undefined;
  return `fapi-guard: ${route.name} uses ${uses.join(', ')} but no FapiGuard runs on it, so nothing would be checked: ${FIX}`;
}

function isFapiGuardClass(value: unknown): boolean {
  return (
    typeof value === 'function' &&
    (value === FapiGuard || (value as { prototype?: unknown }).prototype instanceof FapiGuard)
  );
}
