/**
 * Runs the README quick start as written (two substitutions: the JWKS URL of a local test
 * authority and a random port) and checks that the README still shows this exact code.
 */
import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import {
  createDpopKey,
  createTestAuthority,
  dpopProof,
  startJwksServer,
} from '@fapi-guard/testing';

const SUBSTITUTIONS: Array<[readme: string, test: string]> = [
  ['jwksUri: `${fapi.issuer}/jwks`', 'jwksUri: jwks.url'],
  ['await app.listen(3000);', "await app.listen(0, '127.0.0.1');"],
];

Logger.overrideLogger(false);
const authority = await createTestAuthority({
  issuer: 'https://as.bank.example',
  audience: 'https://api.bank.example',
});
const jwks = await startJwksServer(authority);

// quick-start:begin
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FapiGuardModule, FapiPrincipal, RequireScopes, type Principal } from '@fapi-guard/nestjs';

@Controller('accounts')
class AccountsController {
  @Get()
  @RequireScopes('accounts')
  list(@FapiPrincipal() principal: Principal) {
    return { subject: principal.subject, clientId: principal.clientId };
  }
}
const fapi = { issuer: 'https://as.bank.example', audience: 'https://api.bank.example' };
@Module({
  imports: [FapiGuardModule.forRoot({ ...fapi, jwksUri: jwks.url, global: true })],
  controllers: [AccountsController],
})
class AppModule {}
const app = await NestFactory.create(AppModule);
await app.listen(0, '127.0.0.1'); // every route now needs a sender-constrained token, unless @Public()
// quick-start:end
// Started at the top level (the README code runs verbatim): let the process exit even when a
// -t filter skips every test here, since afterAll then never runs.
app.getHttpServer().unref();
jwks.unref();

afterAll(async () => {
  await app.close();
  await jwks.close();
});

it('the README quick start is this code', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /## Quick start[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const self = readFileSync(new URL(import.meta.url), 'utf8');
  const region = /\/\/ quick-start:begin\n([\s\S]*?)\/\/ quick-start:end/.exec(self)?.[1];
  const expected = SUBSTITUTIONS.reduce((text, [from, to]) => text.replace(from, to), block);
  expect(block.split('\n').length - 1).toBeLessThanOrEqual(20);
  expect(region).toBe(expected);
});

it('the quick start serves a DPoP-bound request and challenges a bare one', async () => {
  const url = `${await app.getUrl()}/accounts`.replace('[::1]', '127.0.0.1');
  const dpopKey = await createDpopKey();
  const token = await authority.mintAccessToken({ cnf: { jkt: dpopKey.jkt } });
  const proof = await dpopProof({ key: dpopKey, htm: 'GET', htu: url, accessToken: token });
  const ok = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toEqual({ subject: 'user-1', clientId: 'client-1' });
  const bare = await fetch(url);
  expect(bare.status).toBe(401);
  expect(bare.headers.get('www-authenticate')).toMatch(/^DPoP algs="PS256 ES256 EdDSA"/);
});
