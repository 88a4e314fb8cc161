/**
 * FapiGuard subclasses under FapiGuardModule: a subclass adding a scope next to the global guard
 * (one verification, 403 from whichever guard lacks its scope), a subclass whose requirements
 * carry a typo (fails closed), and overridden `getRequirements` and `onPrincipal` hooks.
 */
import { Controller, Get, Injectable, UseGuards, type ExecutionContext } from '@nestjs/common';
import request from 'supertest';
import {
  FapiGuard,
  FapiPrincipal,
  RequireScopes,
  type Principal,
  type Requirements,
} from '../src/index.js';
import { dpopHeaders, INTERACTION_ID, PLATFORMS, type Platform } from './fixture.js';
import {
  closedAfterEach,
  expectNoInternals,
  forRoot,
  MISCONFIGURED,
  recordingStore,
  TypoController,
} from './module-app.js';

@Injectable()
class StrictGuard extends FapiGuard {
  seen: string[] = [];

  protected override getRequirements(context: ExecutionContext): Requirements {
    return { ...super.getRequirements(context), scopes: ['accounts'] };
  }

  protected override onPrincipal(principal: Principal): boolean {
    this.seen.push(principal.interactionId);
    return principal.clientId === 'client-1';
  }
}

@UseGuards(StrictGuard)
@Controller('strict')
class StrictController {
  @Get()
  index() {
    return { ok: true };
  }
}

/** Adds `payments` to what the route's decorators ask for. */
@Injectable()
class PaymentsGuard extends FapiGuard {
  protected override getRequirements(context: ExecutionContext): Requirements {
    const own = super.getRequirements(context);
    return { ...own, scopes: [...(own.scopes ?? []), 'payments'] };
  }
}

@UseGuards(PaymentsGuard)
@Controller('transfers')
class TransfersController {
  @RequireScopes('accounts')
  @Get()
  index(@FapiPrincipal('subject') subject: string) {
    return { subject };
  }
}

describe.each(PLATFORMS)('FapiGuardModule on %s', (platform: Platform) => {
  const start = closedAfterEach();

  it('verifies once when the global guard and a subclass adding a scope both apply', async () => {
    const store = recordingStore();
    const app = await start(platform, {
      imports: [await forRoot(true, { dpop: { replayStore: store } })],
      controllers: [TransfersController],
    });
    const ok = await request(app.getHttpServer())
      .get('/transfers')
      .set(await dpopHeaders('GET', '/transfers'));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ subject: 'user-1' });
    // One proof seen by the replay store: the second guard reused the first one's verification.
    expect(store.keys).toHaveLength(1);
  });

  it("answers 403 insufficient_scope when only the second guard's extra scope is missing", async () => {
    const app = await start(platform, {
      imports: [await forRoot(true)],
      controllers: [TransfersController],
    });
    const res = await request(app.getHttpServer())
      .get('/transfers')
      .set(await dpopHeaders('GET', '/transfers', { scope: 'accounts' }));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token does not grant the required scope',
    });
    expect(res.headers['www-authenticate']).toMatch(/^DPoP error="insufficient_scope"/);
    expect(res.headers['www-authenticate']).toContain('scope="accounts payments"');
  });

  it('answers 403 from the global guard before the second guard runs', async () => {
    const app = await start(platform, {
      imports: [await forRoot(true)],
      controllers: [TransfersController],
    });
    const res = await request(app.getHttpServer())
      .get('/transfers')
      .set(await dpopHeaders('GET', '/transfers', { scope: 'payments' }));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('scope="accounts"');
  });

  it('fails closed with 500 server_error when a subclass returns an unknown requirement', async () => {
    const app = await start(platform, {
      imports: [await forRoot(false)],
      controllers: [TypoController],
    });
    const res = await request(app.getHttpServer())
      .get('/typo')
      .set(await dpopHeaders('GET', '/typo'));
    expect(res.status).toBe(500);
    expect(res.body).toEqual(MISCONFIGURED);
    expectNoInternals(res.text);
  });

  it('runs a subclass with overridden hooks', async () => {
    const app = await start(platform, {
      imports: [await forRoot(false)],
      controllers: [StrictController],
    });
    const refused = await request(app.getHttpServer())
      .get('/strict')
      .set(await dpopHeaders('GET', '/strict', { scope: 'payments' }));
    expect(refused.status).toBe(403);
    expect(refused.headers['www-authenticate']).toContain('scope="accounts"');
    const otherClient = await request(app.getHttpServer())
      .get('/strict')
      .set(await dpopHeaders('GET', '/strict', { claims: { client_id: 'client-2' } }))
      .set('x-fapi-interaction-id', INTERACTION_ID);
    expect(otherClient.status).toBe(403);
    expect(otherClient.headers['x-fapi-interaction-id']).toBe(INTERACTION_ID);
    const ok = await request(app.getHttpServer())
      .get('/strict')
      .set(await dpopHeaders('GET', '/strict'));
    expect(ok.status).toBe(200);
  });
});
