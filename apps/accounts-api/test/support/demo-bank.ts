/**
 * The processes of an end-to-end test file: the dev authorization server and the accounts API
 * (plus, by name, API processes with more settings), started in the file's `beforeAll` and
 * stopped in its `afterAll` together with every client opened through them.
 */
import { spawnAuthServer, type SpawnedAuthServer } from '../../../auth-server/src/spawn.js';
import { ApiClient } from '../../src/walkthrough/api-client.js';
import { ensureBuilt, spawnAccountsApi, type SpawnedApi } from './servers.js';
import {
  CA,
  dpopSession,
  mtlsSession,
  type DpopSession,
  type Session,
  type SignIn,
} from './sessions.js';

/** Longest start-up of the AS and the API processes (each API starts its PGlite too). */
const START_TIMEOUT_MS = 90_000;

/**
 * An API's settings, added to `AS_ISSUER`. A function is called by the `beforeAll` that starts
 * the API, after the file's `beforeAll` hooks registered before {@link demoBank}.
 */
export type ApiSettings = Record<string, string> | (() => Record<string, string>);

export interface DemoBankOptions {
  /** The AS's environment (`AT_FORMAT`, ...). */
  as?: Record<string, string>;
  /** The settings of {@link DemoBank.api}. Default: none (`AS_ISSUER` only). */
  api?: ApiSettings;
}

/** A session's consent and step-up ({@link SignIn}), and the API it is for (default: `api`). */
export type BankSignIn = Pick<SignIn, 'authorizationDetails' | 'acrValues' | 'otp'> & {
  target?: SpawnedApi;
};

export interface DemoBank<Other extends string> {
  /** The dev authorization server. */
  readonly as: SpawnedAuthServer;
  /** The API with the settings of {@link DemoBankOptions.api}. */
  readonly api: SpawnedApi;
  /** The further API processes, by the names given to {@link demoBank}. */
  readonly others: Readonly<Record<Other, SpawnedApi>>;
  /** A DPoP session of `username` (scope `openid accounts payments` by default). */
  dpopSession(
    username: 'alice' | 'bob',
    options?: BankSignIn & { scope?: string },
  ): Promise<DpopSession>;
  /** An mTLS session of `username` (with the mtls-client certificate). */
  mtlsSession(username: 'alice' | 'bob', options?: BankSignIn): Promise<Session>;
  /** A client without a token, trusting the dev CA, presenting `tls` if given. */
  bareClient(tls?: { cert: string; key: string }): ApiClient;
}

/**
 * Registers the `beforeAll` that starts the AS (with `options.as`), then the API (with
 * `options.api`) and every API of `others` at once, and the `afterAll` that closes the clients
 * opened through the returned object and stops the processes. Its properties are set once
 * `beforeAll` ran.
 */
export function demoBank<Other extends string = never>(
  others: Record<Other, ApiSettings> = {} as Record<Other, ApiSettings>,
  options: DemoBankOptions = {},
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
  /** The AS's issuer and the target's URL as resource, with the rest of `signIn`. */
  const where = ({ target, ...signIn }: BankSignIn) => ({
    ...signIn,
    issuer: running(as, 'the AS').issuer,
    resource: (target ?? running(api, 'the API')).url,
  });

  beforeAll(async () => {
    ensureBuilt();
    as = await spawnAuthServer(options.as ? { env: options.as } : {});
    const issuer = as.issuer;
    const spawn = (settings: ApiSettings = {}) =>
      spawnAccountsApi({
        AS_ISSUER: issuer,
        ...(typeof settings === 'function' ? settings() : settings),
      });
    const names = Object.keys(others) as Other[];
    const apis = await Promise.all([
      spawn(options.api),
      ...names.map((name) => spawn(others[name])),
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
    async dpopSession(username, { scope = 'openid accounts payments', ...signIn } = {}) {
      return opened(await dpopSession({ ...where(signIn), username, scope }));
    },
    async mtlsSession(username, signIn = {}) {
      return opened(await mtlsSession({ ...where(signIn), username }));
    },
    bareClient(tls) {
      const client = new ApiClient({ accessToken: '', ca: CA, ...(tls ? { tls } : {}) });
      clients.push(client);
      return client;
    },
  };
}
