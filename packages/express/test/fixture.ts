import type { ResourceServerOptions } from '@fapi-guard/core';
import {
  createDpopKey,
  createTestAuthority,
  dpopProof,
  type DpopKey,
  type TestAuthority,
} from '@fapi-guard/testing';

export const NOW_S = 1_800_000_000;
export const ISSUER = 'https://as.bank.test';
export const AUDIENCE = 'https://api.bank.test';

export interface Fixture {
  authority: TestAuthority;
  dpopKey: DpopKey;
  /** Core options: local JWKS, fixed clock, no publicUrl. */
  options: ResourceServerOptions;
  /** `Authorization` and `DPoP` headers for `method htu`, with a fresh token. */
  dpopHeaders(htu: string, method?: string, scope?: string): Promise<Record<string, string>>;
}

let shared: Promise<Fixture> | undefined;

/** One authority and DPoP key per test file. */
export function fixture(): Promise<Fixture> {
  shared ??= (async () => {
    const [authority, dpopKey] = await Promise.all([
      createTestAuthority({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'] }),
      createDpopKey('ES256'),
    ]);
    return {
      authority,
      dpopKey,
      options: {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: authority.jwks(),
        clock: () => NOW_S * 1000,
      },
      async dpopHeaders(htu, method = 'GET', scope = 'accounts payments') {
        const token = await authority.mintAccessToken({
          now: NOW_S,
          scope,
          cnf: { jkt: dpopKey.jkt },
        });
        const proof = await dpopProof({
          key: dpopKey,
          htm: method,
          htu,
          accessToken: token,
          iat: NOW_S,
        });
        return { authorization: `DPoP ${token}`, dpop: proof };
      },
    };
  })();
  return shared;
}
