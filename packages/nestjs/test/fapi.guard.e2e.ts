import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Post,
  type INestApplication,
} from '@nestjs/common';
import request from 'supertest';
import { dpopProof, FIXTURE_NOW_S } from '@fapi-guard/testing';
import {
  DpopBound,
  FapiGuardModule,
  FapiPrincipal,
  MtlsBound,
  Public,
  RequireAnyScope,
  RequireScopes,
  type FapiGuardModuleOptions,
  type Principal,
} from '../src/index.js';
import {
  createApp,
  dpopHeaders,
  dpopToken,
  fapiOptions,
  INTERACTION_ID,
  fixture,
  PLATFORMS,
  PUBLIC_URL,
  type Platform,
} from './fixture.js';

const ALGS = 'algs="PS256 ES256 EdDSA"';

@Controller()
class AccountsController {
  @RequireScopes('accounts')
  @Get('accounts')
  list(@FapiPrincipal() principal: Principal, @FapiPrincipal('clientId') clientId: string) {
    return { subject: principal.subject, clientId, binding: principal.binding.kind };
  }

  @RequireScopes('payments')
  @DpopBound()
  @Post('payments')
  pay(@Body() body: unknown, @FapiPrincipal('subject') subject: string) {
    return { subject, body };
  }

  @RequireAnyScope('admin', 'accounts')
  @Get('any')
  any() {
    return { ok: true };
  }

  @RequireScopes('audit')
  @Get('audit')
  audit() {
    return { ok: true };
  }

  @Get('missing')
  missing(): never {
    throw new NotFoundException();
  }

  @Public()
  @Get('public')
  open() {
    return { ok: true };
  }
}

/** The class asks for `admin`; handlers override it one decorator at a time. */
@RequireScopes('admin')
@DpopBound()
@Controller('precedence')
class PrecedenceController {
  @Get('class')
  fromClass() {
    return { ok: true };
  }

  @RequireScopes('accounts')
  @Get('method')
  fromMethod() {
    return { ok: true };
  }

  @RequireScopes('accounts')
  @MtlsBound()
  @Get('mtls')
  mtls() {
    return { ok: true };
  }
}

@Public()
@Controller('open')
class OpenController {
  @Get()
  index() {
    return { ok: true };
  }

  @Public(false)
  @RequireScopes('accounts')
  @Get('closed')
  closed() {
    return { ok: true };
  }
}

async function appOn(
  platform: Platform,
  overrides: Partial<FapiGuardModuleOptions> = {},
  configure?: (app: INestApplication) => void,
): Promise<INestApplication> {
  return createApp(
    platform,
    {
      imports: [FapiGuardModule.forRoot({ ...(await fapiOptions(overrides)), global: true })],
      controllers: [AccountsController, PrecedenceController, OpenController],
    },
    configure,
  );
}

describe.each(PLATFORMS)('FapiGuard on %s', (platform) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await appOn(platform);
  });
  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());

  it('lets a DPoP-bound token with its proof through and injects the principal', async () => {
    const res = await http()
      .get('/accounts')
      .set(await dpopHeaders('GET', '/accounts'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subject: 'user-1', clientId: 'client-1', binding: 'dpop' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-fapi-interaction-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes the client x-fapi-interaction-id on success (RS-HDR-01)', async () => {
    const res = await http()
      .get('/accounts')
      .set(await dpopHeaders('GET', '/accounts'))
      .set('x-fapi-interaction-id', INTERACTION_ID);
    expect(res.status).toBe(200);
    expect(res.headers['x-fapi-interaction-id']).toBe(INTERACTION_ID);
  });

  it('echoes x-fapi-interaction-id on a rejection', async () => {
    const res = await http().get('/accounts').set('x-fapi-interaction-id', INTERACTION_ID);
    expect(res.status).toBe(401);
    expect(res.headers['x-fapi-interaction-id']).toBe(INTERACTION_ID);
  });

  it('keeps the FAPI headers when the handler fails after the guard passed', async () => {
    const res = await http()
      .get('/missing')
      .set(await dpopHeaders('GET', '/missing'))
      .set('x-fapi-interaction-id', INTERACTION_ID);
    expect(res.status).toBe(404);
    expect(res.headers['x-fapi-interaction-id']).toBe(INTERACTION_ID);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers a request without a token with a 401 challenge carrying no error (RS-ERR-02)', async () => {
    const res = await http().get('/accounts');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`DPoP ${ALGS}, Bearer`);
    expect(res.headers['www-authenticate']).not.toContain('error=');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      error: 'unauthorized',
      error_description: 'Authentication required',
    });
  });

  it('answers 403 insufficient_scope naming the scope the route needs (RS-GEN-04)', async () => {
    const res = await http()
      .get('/audit')
      .set(await dpopHeaders('GET', '/audit'));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      `DPoP error="insufficient_scope", error_description="The access token does not grant the required scope", scope="audit", ${ALGS}, Bearer`,
    );
    expect(res.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token does not grant the required scope',
    });
  });

  it('passes @RequireAnyScope with one of the scopes and refuses with none', async () => {
    const ok = await http()
      .get('/any')
      .set(await dpopHeaders('GET', '/any', { scope: 'accounts' }));
    expect(ok.status).toBe(200);
    const refused = await http()
      .get('/any')
      .set(await dpopHeaders('GET', '/any', { scope: 'payments' }));
    expect(refused.status).toBe(403);
    expect(refused.headers['www-authenticate']).toContain('scope="admin accounts"');
  });

  it('serves @Public routes without a token, FAPI headers or principal', async () => {
    const res = await http().get('/public');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers['x-fapi-interaction-id']).toBeUndefined();
  });

  it('lets a handler decorator beat the class decorator (getAllAndOverride)', async () => {
    const fromClass = await http()
      .get('/precedence/class')
      .set(await dpopHeaders('GET', '/precedence/class'));
    expect(fromClass.status).toBe(403);
    expect(fromClass.headers['www-authenticate']).toContain('scope="admin"');

    const fromMethod = await http()
      .get('/precedence/method')
      .set(await dpopHeaders('GET', '/precedence/method'));
    expect(fromMethod.status).toBe(200);

    // @MtlsBound on the handler replaces the class's @DpopBound.
    const mtls = await http()
      .get('/precedence/mtls')
      .set(await dpopHeaders('GET', '/precedence/mtls'));
    expect(mtls.status).toBe(401);
    expect(mtls.body.error).toBe('invalid_token');
  });

  it('protects a @Public(false) handler inside a @Public() class', async () => {
    expect((await http().get('/open')).status).toBe(200);
    const closed = await http().get('/open/closed');
    expect(closed.status).toBe(401);
    const passed = await http()
      .get('/open/closed')
      .set(await dpopHeaders('GET', '/open/closed'));
    expect(passed.status).toBe(200);
  });

  it('refuses a replayed DPoP proof (RS-DPOP-14)', async () => {
    const headers = await dpopHeaders('GET', '/accounts');
    expect((await http().get('/accounts').set(headers)).status).toBe(200);
    const replay = await http().get('/accounts').set(headers);
    expect(replay.status).toBe(401);
    expect(replay.headers['www-authenticate']).toContain('DPoP error="invalid_dpop_proof"');
  });

  it('checks the proof htu against the original URL with its query ignored', async () => {
    const res = await http()
      .get('/accounts?page=2')
      .set(await dpopHeaders('GET', '/accounts'));
    expect(res.status).toBe(200);
    const wrongPath = await http()
      .get('/any')
      .set(await dpopHeaders('GET', '/accounts'));
    expect(wrongPath.status).toBe(401);
    expect(wrongPath.body.error).toBe('invalid_dpop_proof');
  });

  it('accepts a DPoP POST with a JSON body', async () => {
    const res = await http()
      .post('/payments')
      .set(await dpopHeaders('POST', '/payments'))
      .send({ amount: '10.00' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ subject: 'user-1', body: { amount: '10.00' } });
  });

  it('hands the parsed form body to core: a body access_token next to the header is a 400 (RS-TOK-03)', async () => {
    const headers = await dpopHeaders('POST', '/payments');
    const res = await http()
      .post('/payments')
      .set(headers)
      .type('form')
      .send({ access_token: headers.authorization.slice('DPoP '.length) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.headers['www-authenticate']).toContain('error="invalid_request"');
  });

  it('refuses a form-body access token alone with a challenge (RS-GEN-02)', async () => {
    const token = await dpopToken();
    const res = await http().post('/payments').type('form').send({ access_token: token });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).not.toContain('error=');
  });

  it('refuses a query access token (RS-GEN-02)', async () => {
    const token = await dpopToken();
    const res = await http().get(`/accounts?access_token=${token}`);
    expect(res.status).toBe(401);
  });
});

describe.each(PLATFORMS)('FapiGuard on %s, other settings', (platform) => {
  it('sends use_dpop_nonce with a DPoP-Nonce, accepts the retry, and rotates the nonce on a 2xx', async () => {
    const clock = { now: FIXTURE_NOW_S * 1000 };
    const app = await appOn(platform, {
      clock: () => clock.now,
      dpop: { nonce: { secret: 'x'.repeat(32), rotateSeconds: 60 } },
    });
    try {
      const { dpopKey } = await fixture();
      const token = await dpopToken();
      const proof = (iat: number, nonce?: string) =>
        dpopProof({
          key: dpopKey,
          htm: 'GET',
          htu: `${PUBLIC_URL}/accounts`,
          accessToken: token,
          iat,
          ...(nonce && { nonce }),
        });
      const first = await request(app.getHttpServer())
        .get('/accounts')
        .set({ authorization: `DPoP ${token}`, dpop: await proof(FIXTURE_NOW_S) });
      expect(first.status).toBe(401);
      expect(first.headers['www-authenticate']).toContain('DPoP error="use_dpop_nonce"');
      const nonce = first.headers['dpop-nonce'] as string;
      expect(nonce).toMatch(/^[\x21\x23-\x5B\x5D-\x7E]+$/);

      const retry = await request(app.getHttpServer())
        .get('/accounts')
        .set({ authorization: `DPoP ${token}`, dpop: await proof(FIXTURE_NOW_S, nonce) });
      expect(retry.status).toBe(200);
      expect(retry.headers['dpop-nonce']).toBeUndefined();

      // One rotation later the nonce is still accepted, and the 2xx hands out the new one.
      clock.now += 60_000;
      const rotated = await request(app.getHttpServer())
        .get('/accounts')
        .set({ authorization: `DPoP ${token}`, dpop: await proof(FIXTURE_NOW_S + 60, nonce) });
      expect(rotated.status).toBe(200);
      expect(rotated.headers['dpop-nonce']).toMatch(/^[\x21\x23-\x5B\x5D-\x7E]+$/);
      expect(rotated.headers['dpop-nonce']).not.toBe(nonce);
      expect(rotated.headers['cache-control']).toBe('no-store');
    } finally {
      await app.close();
    }
  });

  it('checks htu against the global prefix kept in the original URL', async () => {
    const app = await appOn(platform, {}, (nest) => nest.setGlobalPrefix('v1'));
    try {
      const ok = await request(app.getHttpServer())
        .get('/v1/accounts')
        .set(await dpopHeaders('GET', '/v1/accounts'));
      expect(ok.status).toBe(200);
      const stripped = await request(app.getHttpServer())
        .get('/v1/accounts')
        .set(await dpopHeaders('GET', '/accounts'));
      expect(stripped.status).toBe(401);
      expect(stripped.body.error).toBe('invalid_dpop_proof');
    } finally {
      await app.close();
    }
  });
});
