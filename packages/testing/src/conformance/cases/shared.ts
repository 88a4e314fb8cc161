import type { ConformanceExpectation, ConformanceKit, ConformanceRequest } from '../types.js';

/** `GET path` with these headers. */
export function get(
  path: string,
  headers: Record<string, string | string[]> = {},
): ConformanceRequest {
  return { method: 'GET', path, headers };
}

/** `GET /accounts` with `Authorization: Bearer <token>` (token failures come before binding). */
export function bearer(token: string, path = '/accounts'): ConformanceRequest {
  return get(path, { authorization: `Bearer ${token}` });
}

/** A valid DPoP request whose proof has these overrides. */
export function withProof(
  kit: ConformanceKit,
  proof: Parameters<ConformanceKit['proof']>[0],
): Promise<ConformanceRequest> {
  return kit.dpopRequest({ proof });
}

/** A DPoP request carrying `dpop` as its DPoP header value(s). */
export async function rawProof(
  kit: ConformanceKit,
  dpop: string | string[],
): Promise<ConformanceRequest> {
  return get('/accounts', { authorization: `DPoP ${await kit.dpopToken()}`, dpop });
}

/** Sends a set-up request and fails the case unless it got `status`. */
export async function step(
  kit: ConformanceKit,
  request: ConformanceRequest,
  status: number,
): Promise<Record<string, string>> {
  const response = await kit.send(request);
  if (response.status !== status) {
    throw new Error(`set-up step expected ${status}, got ${response.status}: ${response.text}`);
  }
  return response.headers;
}

export const TOKEN = { status: 401, error: 'invalid_token' } as const;
export const PROOF = { status: 401, error: 'invalid_dpop_proof', scheme: 'DPoP' } as const;
export const NONCE = {
  status: 401,
  error: 'use_dpop_nonce',
  scheme: 'DPoP',
  headers: { 'dpop-nonce': /^[\x21\x23-\x5b\x5d-\x7e]+$/ },
} as const satisfies ConformanceExpectation;
export const MULTIPLE = {
  status: 400,
  code: 'ERR_FAPI_MULTIPLE_METHODS',
  error: 'invalid_request',
  scheme: 'both',
} as const satisfies ConformanceExpectation;
/** The principal JSON every guarded route answers with, for the kit's default client. */
export const PRINCIPAL = { subject: 'user-1', clientId: 'client-1' } as const;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
