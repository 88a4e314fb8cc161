import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { Test } from '@nestjs/testing';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  createTestFixture,
  FIXTURE_NOW_S,
  type MintAccessTokenOptions,
  type TestFixture,
} from '@fapi-guard/testing';
import type { FapiGuardModuleOptions } from '../src/index.js';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: Array<[Platform]> = [['express'], ['fastify']];

/** `publicUrl`: the origin the DPoP `htu` is checked against, whatever port the test binds. */
export const PUBLIC_URL = 'https://api.bank.test';
export const INTERACTION_ID = '8d4f7a3e-1b2c-4d5e-9f60-718293a4b5c6';

let shared: Promise<TestFixture> | undefined;

/** The test kit's fixture (authority, DPoP key, fixed clock), made once per test file. */
export function fixture(): Promise<TestFixture> {
  shared ??= createTestFixture();
  return shared;
}

/** The kit's verifier options plus `publicUrl`, so proofs name {@link PUBLIC_URL}. */
export async function fapiOptions(
  overrides: Partial<FapiGuardModuleOptions> = {},
): Promise<FapiGuardModuleOptions> {
  return { ...(await fixture()).options, publicUrl: PUBLIC_URL, ...overrides };
}

/** A DPoP-bound access token for the kit's DPoP key (scope `accounts payments`). */
export async function dpopToken(mint: MintAccessTokenOptions = {}): Promise<string> {
  const { authority, dpopKey } = await fixture();
  return authority.mintAccessToken({
    now: FIXTURE_NOW_S,
    cnf: { jkt: dpopKey.jkt },
    scope: 'accounts payments',
    ...mint,
  });
}

/**
 * `Authorization` and `DPoP` headers for `method path` under {@link PUBLIC_URL}, with a fresh
 * DPoP-bound token (scope `accounts payments` unless `mint` says otherwise).
 */
export async function dpopHeaders(
  method: string,
  path: string,
  mint: MintAccessTokenOptions = {},
): Promise<{ authorization: string; dpop: string }> {
  return (await fixture()).dpopHeaders(`${PUBLIC_URL}${path}`, method, mint);
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
