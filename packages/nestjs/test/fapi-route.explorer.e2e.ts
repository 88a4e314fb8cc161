/**
 * The startup check: a fapi-guard decorator on a route no FapiGuard protects, or on a
 * `@Public()` route, fails the bootstrap with an Error naming `Controller.handler`.
 */
import {
  Controller,
  Get,
  Injectable,
  Post,
  SetMetadata,
  UseGuards,
  type ExecutionContext,
  type INestApplication,
  type ModuleMetadata,
  type Type,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import request from 'supertest';
import {
  DpopBound,
  FapiGuard,
  FapiGuardModule,
  FapiPrincipal,
  MtlsBound,
  Public,
  RequireAnyScope,
  RequireScopes,
  type Principal,
} from '../src/index.js';
import { createApp, dpopHeaders, fapiOptions, PLATFORMS, type Platform } from './fixture.js';

@Injectable()
class SubclassGuard extends FapiGuard {}

@Controller('payments')
class PaymentsController {
  @RequireScopes('payments')
  @DpopBound()
  @Post()
  pay() {
    return { ok: true };
  }
}

@Controller('me')
class PrincipalController {
  @Get()
  me(@FapiPrincipal('subject') subject: string) {
    return { subject };
  }
}

@RequireAnyScope('admin', 'accounts')
@Controller('admin')
class ClassDecoratedController {
  @Get('a')
  first() {
    return { ok: true };
  }

  @Get('b')
  second() {
    return { ok: true };
  }
}

@Controller('open')
class UndecoratedController {
  @Get()
  index() {
    return { ok: true };
  }

  /** Not a route: its decorators are never reached by a request. */
  @RequireScopes('accounts')
  helper() {
    return 'helper';
  }
}

async function forRoot(global: boolean) {
  return FapiGuardModule.forRoot({ ...(await fapiOptions()), global });
}

/** The bootstrap error of an application with `metadata` on `platform`. */
async function bootError(platform: Platform, metadata: ModuleMetadata): Promise<Error> {
  let app: INestApplication | undefined;
  try {
    app = await createApp(platform, metadata);
  } catch (error) {
    return error as Error;
  } finally {
    await app?.close();
  }
  throw new Error('the application started');
}

describe.each(PLATFORMS)(
  'startup check on %s: fapi-guard decorators need a FapiGuard',
  (platform) => {
    it('fails the bootstrap for @RequireScopes @DpopBound on a handler no guard protects, naming it and the fix', async () => {
      const error = await bootError(platform, {
        imports: [await forRoot(false)],
        controllers: [PaymentsController],
      });
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toContain(
        'fapi-guard: PaymentsController.pay uses @RequireScopes, @DpopBound/@MtlsBound but no FapiGuard runs on it',
      );
      expect(error.message).toContain('global: true');
      expect(error.message).toContain('APP_GUARD');
      expect(error.message).toContain('@UseGuards(FapiGuard)');
    });

    it('fails the bootstrap for a @FapiPrincipal() parameter on a handler no guard protects', async () => {
      const error = await bootError(platform, {
        imports: [await forRoot(false)],
        controllers: [PrincipalController],
      });
      expect(error.message).toMatch(
        /^fapi-guard: PrincipalController\.me uses @FapiPrincipal\(\) but no FapiGuard runs on it/,
      );
    });

    it('names every handler a class decorator reaches, one line each', async () => {
      const error = await bootError(platform, {
        imports: [await forRoot(false)],
        controllers: [ClassDecoratedController, UndecoratedController],
      });
      const lines = error.message.split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        /^fapi-guard: ClassDecoratedController\.first uses @RequireAnyScope /,
      );
      expect(lines[1]).toMatch(
        /^fapi-guard: ClassDecoratedController\.second uses @RequireAnyScope /,
      );
    });

    it('fails NestFactory bootstrap too (app.init() rejects)', async () => {
      const app = await NestFactory.create(
        { module: class {}, imports: [await forRoot(false)], controllers: [PaymentsController] },
        platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
        { logger: false, abortOnError: false },
      );
      try {
        await expect(app.init()).rejects.toThrow(/PaymentsController\.pay/);
      } finally {
        await app.close();
      }
    });

    it('fails the bootstrap for @FapiPrincipal() on a @Public() handler, even under the global guard', async () => {
      @Controller()
      class PublicPrincipalController {
        @Public()
        @Get('health')
        health(@FapiPrincipal() principal: Principal) {
          return { principal };
        }
      }
      const error = await bootError(platform, {
        imports: [await forRoot(true)],
        controllers: [PublicPrincipalController],
      });
      expect(error.message).toBe(
        'fapi-guard: PublicPrincipalController.health is @Public() but uses @FapiPrincipal(): ' +
          'a public route has no principal; remove @Public() or the decorator',
      );
    });

    it('fails the bootstrap for a requirement decorator on a @Public() handler or class', async () => {
      @Public()
      @Controller()
      class PublicRequirementController {
        @MtlsBound()
        @Get('a')
        handler() {
          return { ok: true };
        }

        @Public(false)
        @RequireScopes('accounts')
        @Get('b')
        protectedAgain() {
          return { ok: true };
        }
      }
      const error = await bootError(platform, {
        imports: [await forRoot(true)],
        controllers: [PublicRequirementController],
      });
      expect(error.message).toBe(
        'fapi-guard: PublicRequirementController.handler is @Public() but uses @DpopBound/@MtlsBound: ' +
          'a public route checks no token, so the requirement would do nothing; ' +
          'remove @Public() or the decorator',
      );
    });

    it('fails the bootstrap with a TypeError for route metadata of a bad shape', async () => {
      @Controller()
      class HandMadeController {
        @SetMetadata(DpopBound.KEY, 'dpopp')
        @Get()
        index() {
          return { ok: true };
        }
      }
      const error = await bootError(platform, {
        imports: [await forRoot(true)],
        controllers: [HandMadeController],
      });
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe(
        "fapi-guard: HandMadeController.index: binding must be 'dpop' or 'mtls'",
      );
    });
  },
);

describe.each(PLATFORMS)(
  'startup check on %s: each way of protecting a route passes',
  (platform: Platform) => {
    @UseGuards(FapiGuard)
    @Controller('class-guarded')
    class ClassGuardedController {
      @RequireScopes('payments')
      @Get()
      index(@FapiPrincipal('subject') subject: string) {
        return { subject };
      }
    }

    @Controller('handler-guarded')
    class HandlerGuardedController {
      @UseGuards(SubclassGuard)
      @RequireScopes('payments')
      @Get()
      index(@FapiPrincipal('subject') subject: string) {
        return { subject };
      }
    }

    const ways: Array<[string, () => Promise<ModuleMetadata>, string, Type]> = [
      [
        'the module global guard',
        async () => ({ imports: [await forRoot(true)] }),
        '/me',
        PrincipalController,
      ],
      [
        'a FapiGuard subclass as APP_GUARD (useClass)',
        async () => ({
          imports: [await forRoot(false)],
          providers: [{ provide: APP_GUARD, useClass: SubclassGuard }],
        }),
        '/me',
        PrincipalController,
      ],
      [
        'a FapiGuard as APP_GUARD (useExisting)',
        async () => ({
          imports: [await forRoot(false)],
          providers: [SubclassGuard, { provide: APP_GUARD, useExisting: SubclassGuard }],
        }),
        '/me',
        PrincipalController,
      ],
      [
        '@UseGuards(FapiGuard) on the class',
        async () => ({ imports: [await forRoot(false)] }),
        '/class-guarded',
        ClassGuardedController,
      ],
      [
        '@UseGuards(subclass) on the handler',
        async () => ({ imports: [await forRoot(false)] }),
        '/handler-guarded',
        HandlerGuardedController,
      ],
    ];

    it.each(ways)('%s: starts, and the guard runs', async (_, metadata, path, controller) => {
      const base = await metadata();
      const app = await createApp(platform, { ...base, controllers: [controller] });
      try {
        const refused = await request(app.getHttpServer()).get(path);
        expect(refused.status).toBe(401);
        const ok = await request(app.getHttpServer())
          .get(path)
          .set(await dpopHeaders('GET', path));
        expect(ok.status).toBe(200);
        expect(ok.body).toEqual({ subject: 'user-1' });
      } finally {
        await app.close();
      }
    });

    it('ignores fapi-guard decorators on methods that are not routes', async () => {
      const app = await createApp(platform, {
        imports: [await forRoot(false)],
        controllers: [UndecoratedController],
      });
      try {
        expect((await request(app.getHttpServer()).get('/open')).status).toBe(200);
      } finally {
        await app.close();
      }
    });
  },
);

describe.each(PLATFORMS)('@FapiPrincipal() without a principal on %s', (platform: Platform) => {
  /** A guard that (wrongly) lets every request through: the handler then finds no principal. */
  @Injectable()
  class OpenDoorGuard extends FapiGuard {
    protected override isPublic(_context: ExecutionContext): boolean {
      return true;
    }
  }

  const NOT_MOUNTED = {
    error: 'server_error',
    error_description:
      'fapi-guard is not mounted before this route: add the guard middleware first',
  };

  it('answers 500 server_error (ERR_FAPI_GUARD_NOT_MOUNTED) instead of handing the handler undefined', async () => {
    const app = await createApp(platform, {
      imports: [await forRoot(false)],
      providers: [{ provide: APP_GUARD, useClass: OpenDoorGuard }],
      controllers: [PrincipalController],
    });
    try {
      const res = await request(app.getHttpServer()).get('/me');
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual(NOT_MOUNTED);
    } finally {
      await app.close();
    }
  });

  it("answers the same through Nest's own filter when FapiGuardModule is not imported", async () => {
    const app = await createApp(platform, { controllers: [PrincipalController] });
    try {
      const res = await request(app.getHttpServer()).get('/me');
      expect(res.status).toBe(500);
      expect(res.body).toEqual(NOT_MOUNTED);
      expect(res.text).not.toMatch(/\bat \S+ \(|stack/);
    } finally {
      await app.close();
    }
  });
});
