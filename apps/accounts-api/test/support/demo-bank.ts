/**
 * The processes of an end-to-end test file: the dev authorization server and the accounts API
 * (plus, by name, API processes with more settings), started in the file's `beforeAll` and
 * stopped in its `afterAll` together with every client opened through them.
 */
import { spawnAuthServer, type SpawnedAuthServer } from '../../../auth-server/src/spawn.js';
import { ApiClient } from '../../src/walkthrough/api-client.js';
import { ensureBuilt, spawnAccountsApi, type SpawnedApi } from './servers.js';
import { CA, dpopSession, mtlsSession, type DpopSession, type Session } from './sessions.js';

/** Longest start-up of the AS and the API processes (each API starts its PGlite too). */
const START_TIMEOUT_MS = 90_000;

export interface DemoBank<Other extends string> {
  /** The dev authorization server. */
  readonly as: SpawnedAuthServer;
  /** The API with default settings (`AS_ISSUER` only). */
  readonly api: SpawnedApi;
  /** The further API processes, by the names given to {@link demoBank}. */
  readonly others: Readonly<Record<Other, SpawnedApi>>;
  /** A DPoP session of `username` for `target` (scope `openid accounts payments` by default). */
  dpopSession(username: 'alice' | 'bob', scope?: string, target?: SpawnedApi): Promise<DpopSession>;
  /** An mTLS session of `username` (with the mtls-client certificate) for `target`. */
  mtlsSession(username: 'alice' | 'bob', target?: SpawnedApi): Promise<Session>;
  /** A client without a token, trusting the dev CA, presenting `tls` if given. */
  bareClient(tls?: { cert: string; key: string }): ApiClient;
}

/**
 * Registers the `beforeAll` that starts the AS, then the API and every API of `others` (its
 * settings added to `AS_ISSUER`) at once, and the `afterAll` that closes the clients opened
 * through the returned object and stops the processes. Its properties are set once
 * `beforeAll` ran.
 */
export function demoBank<Other extends string = never>(
  others: Record<Other, Record<string, string>> = {} as Record<Other, Record<string, string>>,
): DemoBank<Other> {
  let as: SpawnedAuthServer | undefined;
  let api: SpawnedApi | undefined;
  const started = {} as Record<Other, SpawnedApi>;
  const clients: ApiClient[] = [];
  const running = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`${name} is started in beforeAll`);
    return value;
  };
  const opened = <T extends { client: ApiClient }>(session: T): T => {
    clients.push(session.client);
    return session;
  };

  beforeAll(async () => {
    ensureBuilt();
    as = await spawnAuthServer();
    const issuer = as.issuer;
    const names = Object.keys(others) as Other[];
    const apis = await Promise.all([
      spawnAccountsApi({ AS_ISSUER: issuer }),
      ...names.map((name) => spawnAccountsApi({ AS_ISSUER: issuer, ...others[name] })),
    ]);
    api = apis[0];
    names.forEach((name, i) => (started[name] = apis[i + 1]!));
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all([api?.stop(), ...Object.values<SpawnedApi>(started).map((a) => a.stop())]);
    await as?.stop();
  });

  return {
    get as() {
      return running(as, 'the AS');
    },
    get api() {
      return running(api, 'the API');
    },
    others: started,
    async dpopSession(username, scope = 'openid accounts payments', target) {
      const resource = (target ?? running(api, 'the API')).url;
      const issuer = running(as, 'the AS').issuer;
      return opened(await dpopSession({ issuer, resource, username, scope }));
    },
    async mtlsSession(username, target) {
      const resource = (target ?? running(api, 'the API')).url;
      const issuer = running(as, 'the AS').issuer;
      return opened(await mtlsSession({ issuer, resource, username }));
    },
    bareClient(tls) {
      const client = new ApiClient({ accessToken: '', ca: CA, ...(tls ? { tls } : {}) });
      clients.push(client);
      return client;
    },
  };
}
