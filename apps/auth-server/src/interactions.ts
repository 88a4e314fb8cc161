/**
 * Minimal login + consent interactions for the development AS.
 *
 * Routes (all under /interaction/:uid, protected by oidc-provider's interaction cookies):
 *   GET  /interaction/:uid          login or consent page (HTML; JSON when Accept: application/json)
 *   POST /interaction/:uid/login    username + password, and `otp` (the one-time code) for the
 *                                   strong acr (required when `acr_values` asks only for it)
 *   POST /interaction/:uid/confirm  grant the scopes/resource/authorization details asked for
 *   POST /interaction/:uid/abort    deny (access_denied)
 * With `autoConsent`, the consent prompt is answered by the server itself (demo users grant
 * everything requested), so a script only has to log in and follow redirects.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { AuthorizationDetail } from 'oidc-provider';
import { grantedDetails, needsSecondFactor } from './consent.js';
import { ACR_PASSWORD, ACR_STRONG, DEV_ONE_TIME_CODE } from './constants.js';
import type { DemoUser } from './fixtures.js';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface InteractionOptions {
  users: readonly DemoUser[];
  autoConsent: boolean;
}

const MAX_BODY = 64 * 1024;

export function escapeHtml(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
.warn{background:#fff3cd;padding:.5rem;border:1px solid #e0c36c}input,button{display:block;margin:.5rem 0;padding:.4rem;width:100%}
code{word-break:break-all}</style></head>
<body><p class="warn">fapi-guard development authorization server &mdash; DEV ONLY, never use in production.</p>
<h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

function wantsJson(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return /\bapplication\/json\b/.test(accept) && !/\btext\/html\b/.test(accept);
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/html; charset=utf-8',
): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('cache-control', 'no-store');
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, JSON.stringify(body), 'application/json; charset=utf-8');
}

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) {
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    const out: Record<string, string> = {};
    if (parsed && typeof parsed === 'object') {
      for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    }
    return out;
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

function describe(interaction: Interaction): Record<string, unknown> {
  const { uid, prompt, params } = interaction;
  return {
    uid,
    prompt: { name: prompt.name, reasons: prompt.reasons, details: prompt.details },
    client_id: params.client_id,
    scope: params.scope,
    resource: params.resource,
    ...(params.acr_values ? { acr_values: params.acr_values } : {}),
    second_factor_required: needsSecondFactor(params.acr_values),
    ...(requestedDetails(interaction)
      ? { authorization_details: requestedDetails(interaction) }
      : {}),
    actions: {
      login: `/interaction/${uid}/login`,
      confirm: `/interaction/${uid}/confirm`,
      abort: `/interaction/${uid}/abort`,
    },
  };
}

function requestedDetails(interaction: Interaction): AuthorizationDetail[] | undefined {
  const raw = interaction.params.authorization_details;
  return typeof raw === 'string' ? (JSON.parse(raw) as AuthorizationDetail[]) : undefined;
}

/** One line per requested element: what the user grants, in words. */
function describeDetail(detail: AuthorizationDetail): string {
  const list = (value: unknown) => (Array.isArray(value) ? value.map(String).join(', ') : '');
  if (detail.type === 'account_access') {
    return `Read ${escapeHtml(list(detail.actions).replaceAll('read_', ''))} of account(s) <code>${escapeHtml(list(detail.accounts))}</code>`;
  }
  if (detail.type === 'payment_initiation') {
    const amount = detail.instructedAmount as { currency?: string; amount?: string } | undefined;
    const creditor = detail.creditorAccount as { iban?: string; name?: string } | undefined;
    const remittance =
      typeof detail.remittanceInformation === 'string'
        ? ` (${escapeHtml(detail.remittanceInformation)})`
        : '';
    return `Pay up to <strong>${escapeHtml(amount?.amount)} ${escapeHtml(amount?.currency)}</strong> to ${escapeHtml(creditor?.name ?? '')} <code>${escapeHtml(creditor?.iban)}</code>${remittance}`;
  }
  return `<code>${escapeHtml(JSON.stringify(detail))}</code>`;
}

function loginPage(interaction: Interaction, error?: string): string {
  const { uid, params } = interaction;
  const strong = needsSecondFactor(params.acr_values);
  return page(
    'Sign in',
    `<p>Client <code>${escapeHtml(params.client_id)}</code> asks for
<code>${escapeHtml(params.scope ?? '')}</code>.</p>
${error ? `<p role="alert" style="color:#b00">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label>Username <input name="username" required autofocus></label>
<label>Password <input name="password" type="password" required></label>
<label>One-time code${strong ? '' : ' (optional: a stronger sign-in)'} <input name="otp" inputmode="numeric"${strong ? ' required' : ''}></label>
<button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort"><button type="submit">Cancel</button></form>
<p>Demo users: alice / alice-dev-password, bob / bob-dev-password; one-time code ${DEV_ONE_TIME_CODE}.</p>`,
  );
}

function consentPage(interaction: Interaction): string {
  const { uid, params, prompt } = interaction;
  const details = prompt.details as {
    missingOIDCScope?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const resources = Object.entries(details.missingResourceScopes ?? {})
    .map(([r, s]) => `<li>${escapeHtml(s.join(' '))} at <code>${escapeHtml(r)}</code></li>`)
    .join('');
  const granted = (requestedDetails(interaction) ?? [])
    .map((d) => `<li>${describeDetail(d)}</li>`)
    .join('');
  return page(
    'Authorize',
    `<p>Client <code>${escapeHtml(params.client_id)}</code> asks for:</p>
<ul>${details.missingOIDCScope?.length ? `<li>${escapeHtml(details.missingOIDCScope.join(' '))}</li>` : ''}${resources}${granted}</ul>
<form method="post" action="/interaction/${escapeHtml(uid)}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort"><button type="submit">Deny</button></form>`,
  );
}

/** Grants everything the consent prompt reports as missing; returns the consent result. */
async function grantMissing(
  provider: Provider,
  interaction: Interaction,
): Promise<{ grantId?: string }> {
  const { prompt, params, session, grantId } = interaction;
  const accountId = session?.accountId;
  if (!accountId) throw new Error('no authenticated session for this interaction');
  const details = prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const grant =
    (grantId ? await provider.Grant.find(grantId) : undefined) ??
    new provider.Grant({ accountId, clientId: String(params.client_id) });
  if (details.missingOIDCScope?.length) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  // This authorization's details replace any earlier consent's (the code carries exactly these).
  const requested = requestedDetails(interaction);
  grant.rar = requested ? grantedDetails(requested) : undefined;
  const saved = await grant.save();
  return grantId ? {} : { grantId: saved };
}

/**
 * Handles a request under /interaction/. Returns false when the path is not an interaction
 * route (the caller then passes the request on).
 */
export async function handleInteraction(
  provider: Provider,
  options: InteractionOptions,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<boolean> {
  const match = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?\/?$/.exec(pathname);
  if (!match) return false;
  const [, uid, action] = match;
  const json = wantsJson(req);
  try {
    const interaction = await provider.interactionDetails(req, res);
    if (interaction.uid !== uid) throw new Error('interaction mismatch');

    if (!action) {
      if (req.method !== 'GET') return (methodNotAllowed(res), true);
      if (interaction.prompt.name === 'consent' && options.autoConsent) {
        const consent = await grantMissing(provider, interaction);
        await provider.interactionFinished(
          req,
          res,
          { consent },
          { mergeWithLastSubmission: true },
        );
        return true;
      }
      if (json) sendJson(res, 200, describe(interaction));
      else if (interaction.prompt.name === 'login') send(res, 200, loginPage(interaction));
      else if (interaction.prompt.name === 'consent') send(res, 200, consentPage(interaction));
      else send(res, 400, page('Unsupported prompt', escapeHtml(interaction.prompt.name)));
      return true;
    }

    if (req.method !== 'POST') return (methodNotAllowed(res), true);
    const form = await readForm(req);

    switch (action) {
      case 'login': {
        if (interaction.prompt.name !== 'login') throw new Error('login is not the current prompt');
        const user = options.users.find(
          (u) => u.username === form.username && u.password === form.password,
        );
        const otp = form.otp ?? '';
        const problem = !user
          ? 'Invalid username or password.'
          : otp !== '' && otp !== DEV_ONE_TIME_CODE
            ? 'Invalid one-time code.'
            : otp === '' && needsSecondFactor(interaction.params.acr_values)
              ? 'This authorization needs the one-time code.'
              : undefined;
        if (!user || problem) {
          if (json) sendJson(res, 401, { error: 'access_denied', error_description: problem });
          else send(res, 401, loginPage(interaction, problem));
          return true;
        }
        const login =
          otp === DEV_ONE_TIME_CODE
            ? { accountId: user.sub, acr: ACR_STRONG, amr: ['pwd', 'otp'] }
            : { accountId: user.sub, acr: ACR_PASSWORD, amr: ['pwd'] };
        await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
        return true;
      }
      case 'confirm': {
        if (interaction.prompt.name !== 'consent')
          throw new Error('consent is not the current prompt');
        const consent = await grantMissing(provider, interaction);
        await provider.interactionFinished(
          req,
          res,
          { consent },
          { mergeWithLastSubmission: true },
        );
        return true;
      }
      default: {
        await provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'End-User aborted interaction' },
          { mergeWithLastSubmission: false },
        );
        return true;
      }
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : 'interaction failed';
    if (json) sendJson(res, 400, { error: 'invalid_request', error_description: message });
    else send(res, 400, page('Interaction failed', `<p>${escapeHtml(message)}</p>`));
    return true;
  }
}

function methodNotAllowed(res: ServerResponse): void {
  send(res, 405, page('Method not allowed', ''));
}
