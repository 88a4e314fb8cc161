import { Inject, Injectable, Optional, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import type { Requirements, ResourceServer } from '@fapi-guard/core';
import { FAPI_RESOURCE_SERVER, FapiGuard } from '@fapi-guard/nestjs';
import { APP_CONFIG, type ResolvedAppConfig } from '../config/app-config.js';
import { ConfiguredBinding } from './configured-binding.decorator.js';

/**
 * fapi-guard's `FapiGuard`, registered for every route (secure by default: `@Public()` opts
 * out), plus one rule: routes marked `@ConfiguredBinding('payments')` get the sender constraint
 * of `PAYMENTS_BINDING`: `dpop` behaves as `@DpopBound()`, `mtls` as `@MtlsBound()`, `any`
 * accepts both.
 */
@Injectable()
export class AccountsApiGuard extends FapiGuard {
  constructor(
    reflector: Reflector,
    @Inject(FAPI_RESOURCE_SERVER) resourceServer: ResourceServer,
    @Inject(APP_CONFIG) private readonly config: Pick<ResolvedAppConfig, 'paymentsBinding'>,
    @Optional() adapterHost?: HttpAdapterHost,
  ) {
    super(reflector, resourceServer, adapterHost);
  }

  protected override getRequirements(context: ExecutionContext): Requirements {
    const requirements = super.getRequirements(context);
    if (requirements.binding) return requirements;
    const configured = this.reflector.getAllAndOverride(ConfiguredBinding, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (configured !== 'payments' || this.config.paymentsBinding === 'any') return requirements;
    return { ...requirements, binding: this.config.paymentsBinding };
  }
}
