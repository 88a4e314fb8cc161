// `npm run token -- --scope accounts`: a token from the running sandbox authorization server
// (the real flow: PAR, PKCE, private_key_jwt or mTLS client auth, scripted login and consent),
// printed as ready-to-paste `Authorization` and `DPoP` headers (a fresh proof on every run) and
// a curl line for the running API. With --data the call is also signed (RFC 9421 HTTP message
// signature with the demo client's registered key: Content-Digest, Signature-Input, Signature),
// as POST /domestic-payments requires. The DPoP key and the token (until it expires) are kept in
// .fapi-guard/token-helper.json (git-ignored; TOKEN_HELPER_STATE=<file> chooses another).
//
// By default it asks for the consent the API checks (authorization_details): every read action
// on the user's demo accounts with scope accounts, and the payment --data describes.
// Flags: --scope, --binding dpop|mtls, --method, --url, --user, --issuer, --data, --payment,
// --authorization-details '<json array>', --acr strong (see --help).
// Environment: AS_ISSUER and API_URL change the defaults (https://127.0.0.1:4000 and :3000).
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib/supervisor.mjs';

const HELPER = 'apps/auth-server/dist/token-helper.js';
const args = process.argv.slice(2);

/** `account_access (acc-1, acc-2), payment_initiation`, or `none`. */
function consentOf(details) {
  if (details.length === 0) return 'none';
  return details
    .map((d) => (Array.isArray(d.accounts) ? `${d.type} (${d.accounts.join(', ')})` : d.type))
    .join(', ');
}

async function main() {
  if (!existsSync(`${ROOT}${HELPER}`)) {
    console.error(`npm run token: ${HELPER} is missing: run \`npm run build\` (npm start does).`);
    process.exitCode = 2;
    return;
  }
  const { parseTokenArgs, runTokenHelper, USAGE } = await import(
    pathToFileURL(`${ROOT}${HELPER}`).href
  );
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  let request;
  try {
    request = parseTokenArgs(args);
  } catch (error) {
    console.error(`npm run token: ${error.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  let out;
  try {
    out = await runTokenHelper(request);
  } catch (error) {
    console.error(
      `npm run token: could not obtain a token from ${request.issuer}: ${error.message}\n` +
        'Is the sandbox running (npm start)?',
    );
    process.exitCode = 1;
    return;
  }
  const expires = new Date(out.expiresAt * 1000).toISOString();
  console.error(
    `# ${out.cached ? 'cached' : 'new'} ${request.binding === 'dpop' ? 'DPoP' : 'mTLS'}-bound token ` +
      `for ${request.user}, scope "${request.scope}", ` +
      `consent ${consentOf(request.authorizationDetails)}` +
      (request.acr ? `, acr ${request.acr}` : '') +
      `, valid until ${expires}` +
      (out.dpop ? `; the DPoP proof is for ${request.method} ${request.url} only, and once` : ''),
  );
  console.log(`Authorization: ${out.authorization}`);
  if (out.dpop) console.log(`DPoP: ${out.dpop}`);
  for (const [name, value] of Object.entries(out.signature ?? {})) {
    console.log(`${name.replace(/(^|-)\w/g, (c) => c.toUpperCase())}: ${value}`);
  }
  if (out.signature) {
    console.error(
      `# the request is signed (RFC 9421) with ${request.binding === 'dpop' ? 'dpop-client' : 'mtls-client'}'s ` +
        'registered key over method, URL, Authorization' +
        (out.dpop ? ', DPoP' : '') +
        ' and the Content-Digest of exactly the --data bytes, created now: send it within 60 s',
    );
  }
  console.log('');
  console.log(out.curl);
}

main().catch((error) => {
  console.error(`npm run token failed: ${error.stack ?? error}`);
  process.exitCode = 1;
});
