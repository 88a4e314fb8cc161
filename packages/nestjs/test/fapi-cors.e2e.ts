/**
 * FapiGuardModule's `cors` option on Express and Fastify: headers for listed origins only, on
 * answers and FapiGuard's rejections alike; preflights from listed origins answered without a
 * token; nothing else opened.
 */
import { Controller, Get, Options, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { FapiGuardModule, FapiPrincipal, RequireScopes } from '../src/index.js';
import { createApp, dpopHeaders, fapiOptions, PLATFORMS, type Platform } from './fixture.js';

const PAGE = 'https://app.bank.test';
const EXPOSED = 'WWW-Authenticate, DPoP-Nonce, x-fapi-interaction-id';
const reached: string[] = [];

@Controller('accounts')
class AccountsController {
  @RequireScopes('accounts')
  @Get()
  list(@FapiPrincipal('subject') subject: string) {
    return { subject };
  }

  @Options()
  options() {
    reached.push('OPTIONS');
    return { ok: true };
  }
}

async function app(platform: Platform): Promise<INestApplication> {
  return createApp(platform, {
    imports: [
      FapiGuardModule.forRoot({
        ...(await fapiOptions()),
        cors: { origins: [PAGE] },
        global: true,
      }),
    ],
    controllers: [AccountsController],
  });
}

describe.each(PLATFORMS)('cors option on %s', (platform) => {
  let nest: INestApplication;
  beforeAll(async () => {
    nest = await app(platform);
  });
  afterAll(() => nest.close());

  test('a request from a listed origin carries the CORS headers exposing the challenge', async () => {
    const res = await request(nest.getHttpServer())
      .get('/accounts')
      .set({ ...(await dpopHeaders('GET', '/accounts')), origin: PAGE })
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(PAGE);
    expect(res.headers['access-control-expose-headers']).toBe(EXPOSED);
    expect(res.headers.vary).toMatch(/\bOrigin\b/);
  });

  test('the 401 FapiGuard answers carries the CORS headers too', async () => {
    const res = await request(nest.getHttpServer())
      .get('/accounts')
      .set({ origin: PAGE })
      .expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^DPoP /);
    expect(res.headers['access-control-allow-origin']).toBe(PAGE);
    expect(res.headers['access-control-expose-headers']).toBe(EXPOSED);
  });

  test('an origin not listed gets no CORS headers', async () => {
    const res = await request(nest.getHttpServer())
      .get('/accounts')
      .set({ ...(await dpopHeaders('GET', '/accounts')), origin: 'https://evil.test' })
      .expect(200);
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  test('a preflight from a listed origin is answered 204 without a token and goes no further', async () => {
    reached.length = 0;
    const res = await request(nest.getHttpServer())
      .options('/accounts')
      .set({ origin: PAGE, 'access-control-request-method': 'POST' })
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(PAGE);
    expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD, POST, PUT, PATCH, DELETE');
    expect(res.headers['access-control-allow-headers']).toMatch(
      /^Authorization, DPoP, Content-Type, .*x-idempotency-key/,
    );
    expect(reached).toEqual([]);
  });

  test('a preflight from an origin not listed meets the guard: 401, no CORS headers', async () => {
    const res = await request(nest.getHttpServer())
      .options('/accounts')
      .set({ origin: 'https://evil.test', 'access-control-request-method': 'POST' })
      .expect(401);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
    expect(reached).toEqual([]);
  });

  test('an OPTIONS request that is not a preflight still needs a token', async () => {
    const res = await request(nest.getHttpServer())
      .options('/accounts')
      .set({ origin: PAGE })
      .expect(401);
    expect(res.headers['access-control-allow-origin']).toBe(PAGE);
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
    expect(reached).toEqual([]);
  });
});

test('an unknown cors key fails the bootstrap with a TypeError naming it', async () => {
  await expect(
    createApp('express', {
      imports: [
        FapiGuardModule.forRoot({
          ...(await fapiOptions()),
          cors: { origins: [PAGE], origin: PAGE } as never,
        }),
      ],
    }),
  ).rejects.toThrow(new TypeError('cors.origin: unknown option'));
});
