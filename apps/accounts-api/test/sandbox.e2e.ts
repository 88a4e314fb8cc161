/**
 * End to end, the sandbox's token helper as an integrator uses it (`npm run token`, run as a
 * child against the running AS and API): its headers and its curl line answering 200 (DPoP, and
 * mTLS with the client certificate), the cached token with a fresh proof, signed payments with
 * `--data`, `--authorization-details`, and its usage errors. What the API answers such a client
 * (errors, metadata, CORS) is in `sandbox-answers.e2e.ts`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { DEMO_ACCOUNTS } from '../src/store/demo-data.js';
import { accountAccess } from '../src/walkthrough/consents.js';
import { sandbox } from './support/sandbox.js';
import { REPO_ROOT } from './support/servers.js';
import { CA, fixtures, proofClaims } from './support/sessions.js';

const { bank, agent, stateFile } = sandbox();

interface Helped {
  code: number | null;
  stdout: string;
  stderr: string;
  authorization?: string;
  dpop?: string;
  curl: string;
}

/** Runs `node scripts/token.mjs <args>` from the repository root, as `npm run token` does. */
function token(args: string[]): Promise<Helped> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'scripts', 'token.mjs'), '--issuer', bank.as.issuer, ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, NODE_OPTIONS: '', TOKEN_HELPER_STATE: stateFile('state.json') },
      },
      (error, stdout, stderr) => {
        const line = (prefix: string) =>
          stdout
            .split('\n')
            .find((l) => l.startsWith(prefix))
            ?.slice(prefix.length);
        resolve({
          code: error ? ((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
          authorization: line('Authorization: '),
          dpop: line('DPoP: '),
          curl: stdout.trim().split('\n').at(-1) ?? '',
        });
      },
    );
  });
}

/**
 * Runs the printed curl line in a shell from the repository root (its file paths are relative
 * to it) and returns the status and body. Without curl on the machine, sends the same request
 * with undici.
 */
function callCurl(
  helped: Helped,
  url: string,
  mtls = false,
): Promise<{ status: number; body: string }> {
  if (!existsSync('/usr/bin/curl')) {
    const tls = mtls
      ? new Agent({
          connect: { ca: CA, cert: fixtures.clients.mtls.cert, key: fixtures.clients.mtls.key },
        })
      : agent;
    return request(url, {
      dispatcher: tls,
      headers: {
        authorization: helped.authorization!,
        ...(helped.dpop ? { dpop: helped.dpop } : {}),
      },
    }).then(async (res) => ({ status: res.statusCode, body: await res.body.text() }));
  }
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', helped.curl], { cwd: REPO_ROOT }, (error, stdout) => {
      if (error) reject(error);
      else {
        resolve({
          status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(stdout)?.[1]),
          body: stdout
            .split(/\r?\n\r?\n/)
            .slice(1)
            .join('\n\n'),
        });
      }
    });
  });
}

/** The status the printed curl line answers. */
async function runCurl(helped: Helped, url: string, mtls = false): Promise<number> {
  return (await callCurl(helped, url, mtls)).status;
}

describe('npm run token', () => {
  it('prints Authorization and DPoP headers and a curl line that answers 200', async () => {
    const first = await token(['--scope', 'accounts', '--url', `${bank.api.url}/accounts`]);
    expect(first.code).toBe(0);
    expect(first.authorization).toMatch(/^DPoP ey/);
    expect(proofClaims(first.dpop)).toMatchObject({ htm: 'GET', htu: `${bank.api.url}/accounts` });
    expect(first.curl).toContain('--cacert apps/auth-server/dev-fixtures/tls/ca.crt.pem');
    expect(await runCurl(first, `${bank.api.url}/accounts`)).toBe(200);

    // A second run reuses the cached token and key, with a fresh proof that works too.
    const second = await token(['--scope', 'accounts', '--url', `${bank.api.url}/accounts`]);
    expect(second.stderr).toContain('cached');
    expect(second.authorization).toBe(first.authorization);
    expect(proofClaims(second.dpop).jti).not.toBe(proofClaims(first.dpop).jti);
    expect(await runCurl(second, `${bank.api.url}/accounts`)).toBe(200);
    // The first proof was used: pasting it again is refused as a replay.
    expect(await runCurl(first, `${bank.api.url}/accounts`)).toBe(401);
  }, 60_000);

  it('--binding mtls prints a certificate-bound token and a curl line with the client certificate', async () => {
    const helped = await token(['--binding', 'mtls', '--url', `${bank.api.url}/accounts`]);
    expect(helped.code).toBe(0);
    expect(helped.authorization).toMatch(/^Bearer ey/);
    expect(helped.dpop).toBeUndefined();
    expect(helped.curl).toContain(
      '--cert apps/auth-server/dev-fixtures/clients/mtls-client.crt.pem --key apps/auth-server/dev-fixtures/clients/mtls-client.key.pem',
    );
    expect(await runCurl(helped, `${bank.api.url}/accounts`, true)).toBe(200);
  }, 60_000);

  it('--data signs the curl line with the client key (Content-Digest, Signature-Input, Signature): the payment answers 201', async () => {
    const url = `${bank.api.url}/domestic-payments`;
    const payment = {
      debtorAccountId: DEMO_ACCOUNTS.aliceCurrent,
      instructedAmount: { amount: '1.00', currency: 'GBP' },
      creditorAccount: { name: 'Bob Example', iban: 'GB39FAPG20051563918204' },
      reference: 'Sent with curl',
    };
    const args = ['--scope', 'accounts payments', '--method', 'POST', '--url', url];
    const helped = await token([...args, '--data', JSON.stringify(payment)]);
    expect(helped.code).toBe(0);
    const keyId = fixtures.clients.dpop.privateJwk.kid;
    expect(helped.stdout).toMatch(/^Content-Digest: sha-256=:[\w+/]+=:$/m);
    expect(helped.stdout).toMatch(
      new RegExp(
        `^Signature-Input: sig1=\\("@method" "@target-uri" "authorization" "dpop" "content-digest"\\);created=\\d+;keyid="${keyId}";tag="fapi-2-request"$`,
        'm',
      ),
    );
    expect(helped.stderr).toContain("signed (RFC 9421) with dpop-client's registered key");
    expect(helped.curl).toContain("-H 'signature: sig1=:");
    expect(helped.curl).toContain(`--data-raw '${JSON.stringify(payment)}'`);
    const paid = await callCurl(helped, url);
    expect(paid.status).toBe(201);
    expect(JSON.parse(paid.body).data.requestSignature).toMatchObject({ label: 'sig1', keyId });
  }, 60_000);

  it('--authorization-details asks for exactly that consent: the named account 200, another 403', async () => {
    const one = `${bank.api.url}/accounts/${DEMO_ACCOUNTS.aliceCurrent}`;
    const other = `${bank.api.url}/accounts/${DEMO_ACCOUNTS.aliceSavings}`;
    const details = JSON.stringify([
      accountAccess([DEMO_ACCOUNTS.aliceCurrent], ['read_accounts']),
    ]);
    const helped = await token(['--authorization-details', details, '--url', one]);
    expect(helped.code).toBe(0);
    // Same scope and binding as the cached default-consent token, other details: a new token.
    expect(helped.stderr).toContain('# new DPoP-bound token');
    expect(helped.stderr).toContain(`consent account_access (${DEMO_ACCOUNTS.aliceCurrent})`);
    expect(await runCurl(helped, one)).toBe(200);

    const again = await token(['--authorization-details', details, '--url', other]);
    expect(again.stderr).toContain('cached');
    const refused = await callCurl(again, other);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'insufficient_authorization_details' });
  }, 60_000);

  it('refuses --authorization-details that is not a JSON array of typed objects, exit code 2', async () => {
    for (const [value, message] of [
      ['[{"type":"account_access"', '--authorization-details must be JSON'],
      ['{"type":"account_access"}', '--authorization-details must be a JSON array of objects'],
      ['[{"type":"account_access"},{"type":7}]', '--authorization-details[1] must be an object'],
    ] as const) {
      const helped = await token(['--authorization-details', value]);
      expect({ code: helped.code, stdout: helped.stdout }).toEqual({ code: 2, stdout: '' });
      expect(helped.stderr).toContain(message);
    }
  });

  it('refuses an unknown flag with its usage, exit code 2', async () => {
    const helped = await token(['--scopes', 'accounts']);
    expect(helped.code).toBe(2);
    expect(helped.stderr).toContain('unknown argument "--scopes"');
    expect(helped.stdout).toBe('');
  });
});
