/**
 * What the FapiGuardModule tests share (`fapi-guard.module.e2e.ts`, `fapi-guard.filters.e2e.ts`,
 * `fapi-guard.subclasses.e2e.ts`): their controllers and guard subclass, a recording replay
 * store, `forRoot` with the fixture's options, and applications closed after each test.
 */
import { Controller, Get, Injectable, UseGuards, type INestApplication } from '@nestjs/common';
import { memoryReplayStore, type ReplayStore } from '@fapi-guard/core';
import {
  FapiGuard,
  FapiGuardModule,
  FapiPrincipal,
  RequireScopes,
  type FapiGuardModuleOptions,
  type Requirements,
} from '../src/index.js';
import { createApp, fapiOptions } from './fixture.js';

@Controller('open')
export class UnguardedController {
  @Get()
  index() {
    return { ok: true };
  }
}

@UseGuards(FapiGuard)
@Controller('guarded')
export class GuardedController {
  @RequireScopes('accounts')
  @Get()
  index(@FapiPrincipal('subject') subject: string) {
    return { subject };
  }
}

/** A subclass whose requirements carry a typo: it must fail closed, never skip the check. */
@Injectable()
export class TypoGuard extends FapiGuard {
  protected override getRequirements(): Requirements {
    return { scope: ['accounts'] } as Requirements;
  }
}

@UseGuards(TypoGuard)
@Controller('typo')
export class TypoController {
  @Get()
  index() {
    return { ok: true };
  }
}

/** The body of a 500 for a misconfigured resource server. */
export const MISCONFIGURED = {
  error: 'server_error',
  error_description: 'The resource server is misconfigured',
};

/** What never leaves the process in a rejection body: a stack frame or an internal message. */
export function expectNoInternals(text: string): void {
  expect(text).not.toMatch(/stack|\bat \S+ \(|TypeError|unknown requirement/);
}

/** A recording store, to see which store the verifier uses. */
export function recordingStore(): ReplayStore & { keys: string[]; closed: number } {
  const inner = memoryReplayStore();
  const store = {
    keys: [] as string[],
    closed: 0,
    checkAndStore(key: string, ttl: number) {
      store.keys.push(key);
      return inner.checkAndStore(key, ttl);
    },
    close() {
      store.closed += 1;
    },
  };
  return store;
}

/** `FapiGuardModule.forRoot` with the fixture's options, `overrides` and `global`. */
export async function forRoot(global: boolean, overrides: Partial<FapiGuardModuleOptions> = {}) {
  return FapiGuardModule.forRoot({ ...(await fapiOptions(overrides)), global });
}

/**
 * {@link createApp} for the tests of the calling `describe` block: every application it made is
 * closed after each test.
 */
export function closedAfterEach(): typeof createApp {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  return async (...args) => {
    const app = await createApp(...args);
    apps.push(app);
    return app;
  };
}
