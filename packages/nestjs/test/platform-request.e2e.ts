import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { FapiGuardModule, RequireScopes } from '../src/index.js';
import { fapiOptions, fixture, listen, PLATFORMS, startApp } from './fixture.js';

@Controller()
class AccountsController {
  @RequireScopes('accounts')
  @Get('accounts')
  list() {
    return { ok: true };
  }
}

const FORWARDED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.bank.test' };

describe.each(PLATFORMS)('request mapping on %s, without publicUrl', (platform) => {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  async function start(trustProxy: boolean): Promise<{ app: INestApplication; origin: string }> {
    const { publicUrl: _, ...options } = await fapiOptions();
    const moduleRef = await Test.createTestingModule({
      imports: [FapiGuardModule.forRoot({ ...options, global: true })],
      controllers: [AccountsController],
    }).compile();
    const app = await startApp(platform, moduleRef, () => {}, { trustProxy });
    apps.push(app);
    return { app, origin: await listen(app) };
  }

  async function headers(htu: string) {
    return (await fixture()).dpopHeaders(htu);
  }

  it('ignores X-Forwarded-* unless the platform trusts the proxy', async () => {
    const { app, origin } = await start(false);
    const forged = await request(app.getHttpServer())
      .get('/accounts')
      .set(FORWARDED)
      .set(await headers('https://api.bank.test/accounts'));
    expect(forged.status).toBe(401);
    expect(forged.body.error).toBe('invalid_dpop_proof');
    const direct = await request(app.getHttpServer())
      .get('/accounts')
      .set(FORWARDED)
      .set(await headers(`${origin}/accounts`));
    expect(direct.status).toBe(200);
  });

  it("uses the forwarded scheme and host when the platform's trust-proxy setting trusts the peer", async () => {
    const { app } = await start(true);
    const res = await request(app.getHttpServer())
      .get('/accounts')
      .set(FORWARDED)
      .set(await headers('https://api.bank.test/accounts'));
    expect(res.status).toBe(200);
  });
});
