import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, fetch as undiciFetch } from 'undici';
import { APP_CONFIG, type ResolvedAppConfig } from '../config/app-config.js';

/**
 * `fetch` for calls to the authorization server (its JWKS), over an undici Agent that trusts
 * `AS_CA_FILE` (the dev CA by default): Node's global fetch cannot be given a CA. Closed with
 * the application.
 */
@Injectable()
export class AuthServerFetch implements OnApplicationShutdown {
  readonly #agent: Agent;
  readonly fetch: typeof globalThis.fetch;

  constructor(@Inject(APP_CONFIG) config: ResolvedAppConfig) {
    const agent = new Agent({ connect: { ca: config.authServerCa }, keepAliveTimeout: 10_000 });
    this.#agent = agent;
    this.fetch = ((
      input: Parameters<typeof undiciFetch>[0],
      init?: Parameters<typeof undiciFetch>[1],
    ) => undiciFetch(input, { ...init, dispatcher: agent })) as unknown as typeof globalThis.fetch;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#agent.close();
  }
}
