import { Controller, Get, Module, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  CONFORMANCE_ACCOUNT_CONSENT,
  CONFORMANCE_CLAIMS_RULE,
  CONFORMANCE_PAYMENT_CONSENT,
  CONFORMANCE_STEP_UP,
  conformanceSignatureJson,
  type MakeConformanceApp,
} from '@fapi-guard/testing';
import {
  DpopBound,
  FapiGuardModule,
  FapiPrincipal,
  MtlsBound,
  Public,
  RequireAcr,
  RequireAnyScope,
  RequireAuthorizationDetails,
  RequireClaims,
  RequireScopes,
  SignedRequest,
  SignedResponse,
  type Principal,
} from '../src/index.js';
import { listen } from './fixture.js';

function view(principal: Principal) {
  const { subject, clientId, scopes, binding, authorizationDetails, acr } = principal;
  return { subject, clientId, scopes, binding, authorizationDetails, acr };
}

/** The routes every adapter's conformance app serves, with this adapter's decorators. */
@Controller()
class ConformanceController {
  @RequireScopes('accounts')
  @Get('accounts')
  accounts(@FapiPrincipal() principal: Principal) {
    return view(principal);
  }

  @RequireScopes('payments')
  @DpopBound()
  @Post('payments')
  payments(@FapiPrincipal() principal: Principal) {
    return view(principal);
  }

  @MtlsBound()
  @Get('mtls')
  mtls(@FapiPrincipal() principal: Principal) {
    return view(principal);
  }

  @RequireAnyScope('admin', 'accounts')
  @Get('any')
  any(@FapiPrincipal() principal: Principal) {
    return view(principal);
  }

  @Get('unmarked')
  unmarked(@FapiPrincipal() principal: Principal) {
    return view(principal);
  }

  @RequireAuthorizationDetails(CONFORMANCE_PAYMENT_CONSENT)
  @Post('consented-payments')
  consentedPayment(@FapiPrincipal() principal: Principal) {
    return view(principal);
  }

  @RequireAuthorizationDetails(CONFORMANCE_ACCOUNT_CONSENT)
  @Get('accounts/:accountId')
  account(@FapiPrincipal() principal: Principal) {
    return view(principal);
  }

  @RequireAcr(CONFORMANCE_STEP_UP.acrValues, { maxAge: CONFORMANCE_STEP_UP.maxAge })
  @Get('strong')
  strong(@FapiPrincipal() principal: Principal) {
    return view(principal);
  }

  @RequireClaims(CONFORMANCE_CLAIMS_RULE)
  @Get('claims')
  claims(@FapiPrincipal() principal: Principal) {
    return view(principal);
  }

  @Public()
  @Get('public')
  open() {
    return { ok: true };
  }
}

/** The signed routes (RS-SIG-01..06): request signatures verified, the two `required` answers signed. */
@Controller('signed')
class SignedConformanceController {
  @RequireScopes('accounts')
  @SignedRequest()
  @SignedResponse()
  @Get('accounts')
  accounts(@FapiPrincipal() principal: Principal) {
    return { ...view(principal), signature: conformanceSignatureJson(principal) };
  }

  @RequireScopes('payments')
  @SignedRequest()
  @SignedResponse()
  @Post('payments')
  payments(@FapiPrincipal() principal: Principal) {
    return { ...view(principal), signature: conformanceSignatureJson(principal) };
  }

  @SignedRequest('optional')
  @Get('optional')
  optional(@FapiPrincipal() principal: Principal) {
    return { ...view(principal), signature: conformanceSignatureJson(principal) };
  }
}

@Module({ controllers: [ConformanceController, SignedConformanceController] })
class ConformanceModule {}

/**
 * Fastify parses bodies before any guard runs and answers 415 to a body it has no parser for,
 * including a bodyless POST sent with `Transfer-Encoding: chunked` and no `Content-Type` (what
 * node:http sends). Like Express, leave such bodies unparsed so the guard decides first.
 */
function acceptAnyBody(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => {
      done(null, undefined);
    });
}

/**
 * The conformance app on a Nest platform: `FapiGuardModule.forRoot({ ...fapi, global: true })`,
 * the platform's default body parsers (JSON and URL-encoded forms on both) with `rawBody: true`
 * (the exact bytes for signed requests), HTTPS through the
 * platform's own options when `tls` is given, listening on 127.0.0.1 at a random port.
 */
export function makeNestApp(platform: 'express' | 'fastify'): MakeConformanceApp {
  return async ({ fapi, tls }) => {
    const module = {
      module: ConformanceModule,
      imports: [FapiGuardModule.forRoot({ ...fapi, global: true })],
    };
    const app: INestApplication =
      platform === 'express'
        ? await NestFactory.create(module, new ExpressAdapter(), {
            logger: false,
            rawBody: true,
            ...(tls && { httpsOptions: tls }),
          })
        : await NestFactory.create<NestFastifyApplication>(
            module,
            new FastifyAdapter(tls ? { https: tls } : {}),
            { logger: false, rawBody: true },
          );
    if (platform === 'fastify') acceptAnyBody(app as NestFastifyApplication);
    const url = await listen(app);
    return { url, close: () => app.close() };
  };
}
