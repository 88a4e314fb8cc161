/**
 * The sandbox AS registers one client per browser for its playground (`playground-<uuid>`), so
 * the demo consents cannot name them one by one: every playground client finds the consents
 * stored under {@link PLAYGROUND_CONSENT_CLIENT} (the demo users share their accounts with it as
 * with `dpop-client`). The token's `account_access` details do not replace this row: an account
 * is visible when both the stored consent (what the user shares with the client) and the token
 * (what this authorization granted) name it. The user still signs in and consents at the AS,
 * and the token stays bound to the browser's DPoP key; only the consent row is shared.
 */

/** Prefix of the client ids the sandbox AS gives playground clients. */
export const PLAYGROUND_CLIENT_PREFIX = 'playground-';

/** The client id the demo consents of every playground client are stored under. */
export const PLAYGROUND_CONSENT_CLIENT = 'playground';

/**
 * The client id a consent is looked up under: {@link PLAYGROUND_CONSENT_CLIENT} for a playground
 * client, else the client id itself.
 *
 * @example
 * consentClientId('playground-3a29116b-f7d6-4a66-bf49-28edb717c446'); // 'playground'
 * consentClientId('dpop-client'); // 'dpop-client'
 */
export function consentClientId(clientId: string): string {
  return clientId.startsWith(PLAYGROUND_CLIENT_PREFIX) ? PLAYGROUND_CONSENT_CLIENT : clientId;
}
