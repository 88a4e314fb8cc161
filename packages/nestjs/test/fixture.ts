import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { Test } from '@nestjs/testing';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  createDpopKey,
  createTestAuthority,
  dpopProof,
  type DpopKey,
  type MintAccessTokenOptions,
  type TestAuthority,
} from '@fapi-guard/testing';
import type { FapiGuardModuleOptions } from '../src/index.js';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: Array<[Platform]> = [['express'], ['fastify']];

/** A fixed clock: 2027-01-15T08:00:00Z. */
export const NOW_S = 1_800_000_000;
export const ISSUER = 'https://as.bank.test';
export const AUDIENCE = 'https://api.bank.test';
/** `publicUrl`: the origin the DPoP `htu` is checked against, whatever port the test binds. */
export const PUBLIC_URL = 'https://api.bank.test';
export const INTERACTION_ID = '8d4f7a3e-1b2c-4d5e-9f60-718293a4b5c6';

export interface Keys {
  authority: TestAuthority;
  dpopKey: DpopKey;
}

let shared: Promise<Keys> | undefined;

/** Keys are generated once per test file. */
export function keys(): Promise<Keys> {
  shared ??= (async () => ({
    authority: await createTestAuthority({ issuer: ISSUER, audience: AUDIENCE }),
    dpopKey: await createDpopKey('ES256'),
  }))();
  return shared;
}

/** Verifier options with the fixed clock and the test authority's JWKS. */
export async function fapiOptions(
  overrides: Partial<FapiGuardModuleOptions> = {},
): Promise<FapiGuardModuleOptions> {
  const { authority } = await keys();
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: authority.jwks(),
    publicUrl: PUBLIC_URL,
    clock: () => NOW_S * 1000,
    ...overrides,
  };
}

/** A DPoP-bound access token (scope `accounts payments` unless overridden). */
export async function dpopToken(mint: MintAccessTokenOptions = {}): Promise<string> {
  const { authority, dpopKey } = await keys();
  return authority.mintAccessToken({
    now: NOW_S,
    cnf: { jkt: dpopKey.jkt },
    scope: 'accounts payments',
    ...mint,
  });
}

/** `Authorization` and `DPoP` headers for `method path` at the fixed time, fresh `jti` each call. */
export async function dpopHeaders(
  method: string,
  path: string,
  mint: MintAccessTokenOptions = {},
): Promise<{ authorization: string; dpop: string }> {
  const { dpopKey } = await keys();
  const token = await dpopToken(mint);
  const proof = await dpopProof({
    key: dpopKey,
    htm: method,
    htu: `${PUBLIC_URL}${path}`,
    accessToken: token,
    iat: NOW_S,
  });
  return { authorization: `DPoP ${token}`, dpop: proof };
}

/** TLS server options of a Nest application that asks for (but does not verify) client certificates. */
export interface TlsOptions {
  key: string;
  cert: string;
  ca?: string;
  requestCert: true;
  rejectUnauthorized: false;
}

/** A Nest application on `platform`, initialised (not listening: supertest binds it). */
export async function createApp(
  platform: Platform,
  metadata: ModuleMetadata,
  configure: (app: INestApplication) => void = () => {},
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  return startApp(platform, moduleRef, configure);
}

/** Builds and initialises the application of a compiled testing module. */
export async function startApp(
  platform: Platform,
  moduleRef: Awaited<ReturnType<ReturnType<typeof Test.createTestingModule>['compile']>>,
  configure: (app: INestApplication) => void = () => {},
  { tls, trustProxy }: { tls?: TlsOptions; trustProxy?: boolean } = {},
): Promise<INestApplication> {
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication(new ExpressAdapter(), {
          logger: false,
          ...(tls && { httpsOptions: tls }),
        })
      : moduleRef.createNestApplication<NestFastifyApplication>(
          new FastifyAdapter({ ...(tls && { https: tls }), ...(trustProxy && { trustProxy }) }),
          { logger: false },
        );
  if (platform === 'express' && trustProxy) {
    (app as NestExpressApplication).set('trust proxy', 'loopback');
  }
  configure(app);
  await app.init();
  if (platform === 'fastify') {
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  }
  return app;
}

/** Starts `app` on 127.0.0.1 with a random port; returns its origin. */
export async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as AddressInfo;
  const scheme = app.getHttpServer() instanceof TlsServer ? 'https' : 'http';
  return `${scheme}://127.0.0.1:${address.port}`;
}
