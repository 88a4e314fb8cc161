import { assertConformance } from './assert.js';
import { conformanceCases } from './cases/index.js';
import { assertArbitraryHeadersRefused } from './properties.js';
import {
  appOptions,
  CONFORMANCE_NOW_S,
  createKit,
  loadMaterial,
  type Material,
  type SuiteClock,
} from './kit.js';
import type {
  ConformanceApp,
  ConformanceCase,
  ConformanceExpectation,
  ConformanceServer,
  MakeConformanceApp,
} from './types.js';

/** The test-runner globals the suite registers with (Jest's; Vitest's globals also fit). */
interface TestGlobals {
  describe(name: string, body: () => void): void;
  test(name: string, body: () => Promise<void>, timeoutMs?: number): void;
  beforeAll(body: () => Promise<void> | void, timeoutMs?: number): void;
  beforeEach(body: () => Promise<void> | void): void;
  afterAll(body: () => Promise<void> | void, timeoutMs?: number): void;
}

const SERVER_TITLES: Record<ConformanceServer, string> = {
  default: 'FAPI defaults (DPoP, mTLS from the TLS socket)',
  nonce: 'DPoP server nonces on',
  'trusted-proxy': 'Client-Cert from a trusted proxy (127.0.0.1)',
  'untrusted-proxy': 'Client-Cert from an untrusted peer',
  'jwks-unreachable': 'JWKS unreachable',
  tls: 'mTLS over HTTPS with requestCert',
};

/** Options of {@link runConformanceSuite}. */
export interface ConformanceSuiteOptions {
  /** The table to run; default {@link conformanceCases}. Filter it to skip rows, with a reason. */
  cases?: readonly ConformanceCase[];
  /** Requests of the arbitrary-header property (0 turns it off). Default 60. */
  propertyRuns?: number;
  /**
   * How the adapter marks `/public` as public. `'path'` (a path list such as Express and Koa
   * `publicPaths`): every other spelling of the path (`/PUBLIC`, `/%70ublic`, dot segments) must
   * be verified like any route, or match no route. `'handler'` (default; a marker on the
   * handler such as Nest's `@Public()`): the public handler may also answer a spelling its
   * framework routes to it (Express routes case-insensitively, Fastify decodes `%70`); no
   * spelling may reach a guarded handler without a token either way.
   */
  publicBy?: 'path' | 'handler';
}

/** What the public route answers. */
const PUBLIC_ANSWER: ConformanceExpectation = {
  status: 200,
  body: { ok: true },
  headers: { 'www-authenticate': null },
  publicRoute: true,
};

/**
 * Registers the conformance table as test-runner blocks: one `describe` per app configuration,
 * one `test` per case. Each configuration's app is started by `make` on first use and closed
 * after the last case; keys are generated once per test file. Every case runs at a fixed clock
 * (`fapi.clock`) with `publicUrl: 'https://api.bank.test'`.
 *
 * Besides the case's own expectation, every response must carry `Date`; guarded ones
 * `Cache-Control: no-store` and a UUID `x-fapi-interaction-id`; rejections a JSON
 * `{ error, error_description }` body and (except 503) a parseable `WWW-Authenticate` whose DPoP
 * challenge lists `algs`; no response may repeat the credentials or show a stack trace.
 *
 * Last, a fast-check property sends arbitrary header values (`Authorization`, `DPoP`,
 * `Client-Cert`) and requires a 400 or 401 with a JSON error body every time.
 *
 * It does NOT test introspection (N23, N24) or TLS versions.
 *
 * @example
 * ```ts
 * describe.each([
 *   ['express 5', makeApp(express5)],
 *   ['express 4', makeApp(express4)],
 * ])('%s', (_name, make) => runConformanceSuite(make));
 * ```
 */
export function runConformanceSuite(
  make: MakeConformanceApp,
  options: ConformanceSuiteOptions = {},
): void {
  const { describe, test, beforeAll, beforeEach, afterAll } = testGlobals();
  const cases = options.cases ?? conformanceCases;
  const publicByHandler = (options.publicBy ?? 'handler') === 'handler';
  const clock: SuiteClock = { nowMs: CONFORMANCE_NOW_S * 1000 };
  const apps = new Map<ConformanceServer, Promise<ConformanceApp>>();
  let material: Material;

  beforeAll(async () => {
    material = await loadMaterial();
  }, 60_000);
  beforeEach(() => {
    clock.nowMs = CONFORMANCE_NOW_S * 1000;
  });
  afterAll(async () => {
    const started = await Promise.allSettled(apps.values());
    apps.clear();
    await Promise.all(
      started.map((result) => (result.status === 'fulfilled' ? result.value.close() : undefined)),
    );
  });

  const appFor = (server: ConformanceServer): Promise<ConformanceApp> => {
    let app = apps.get(server);
    if (!app) {
      app = make(appOptions(server, material, clock));
      apps.set(server, app);
    }
    return app;
  };

  const servers = [...new Set(cases.map((c) => c.server ?? 'default'))];
  for (const server of servers) {
    describe(SERVER_TITLES[server], () => {
      for (const row of cases.filter((c) => (c.server ?? 'default') === server)) {
        const ids = row.specIds.length > 0 ? `${row.specIds.join(' ')}: ` : '';
        test(`${ids}${row.name}`, async () => {
          const app = await appFor(server);
          const kit = createKit(material, app, clock);
          const request = await row.request(kit);
          const response = await kit.send(request);
          const publicAnswer = publicByHandler && row.publicSpelling && response.status === 200;
          assertConformance(response, request, publicAnswer ? PUBLIC_ANSWER : row.expect);
          await row.check?.(response, request, kit);
        });
      }
    });
  }

  const runs = options.propertyRuns ?? 60;
  if (runs > 0) {
    describe('arbitrary header values (property, fast-check)', () => {
      test('never a 5xx: always 400 or 401 with a JSON error and a parseable challenge', async () => {
        const app = await appFor('default');
        await assertArbitraryHeadersRefused(createKit(material, app, clock), runs);
      }, 60_000);
    });
  }
}

function testGlobals(): TestGlobals {
  const g = globalThis as Partial<TestGlobals>;
  for (const name of ['describe', 'test', 'beforeAll', 'beforeEach', 'afterAll'] as const) {
    if (typeof g[name] !== 'function') {
      throw new Error(
        `runConformanceSuite: the global ${name}() is missing; call it from a Jest test file`,
      );
    }
  }
  return g as TestGlobals;
}
