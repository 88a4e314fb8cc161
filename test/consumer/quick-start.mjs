// Reads a package README's quick start and rewrites the few literals that tie it to a real
// deployment, so the consumer test can compile and run the code exactly as a user pastes it.

/** The heading whose first ```ts block is a README's quick start. */
export const QUICK_START_HEADING = '## Quick start';
/** The JWKS URI the quick starts use; replaced with the test authority's local JWKS server. */
export const README_JWKS_URI = 'https://as.bank.example/jwks';
/** The port the quick starts listen on; replaced with a free one. */
export const README_PORT = 3000;
/** The issuer and audience the quick starts trust; the test authority mints for them. */
export const README_ISSUER = 'https://as.bank.example';
export const README_AUDIENCE = 'https://api.bank.example';

/**
 * Returns the first ```ts (or ```typescript) block of the README's `## Quick start` section
 * (up to the next `## ` heading; `###` subsections belong to it), or `{ missing }` saying why
 * there is none.
 *
 * @param {string} readme the README's text
 * @returns {{ code: string } | { missing: string }}
 */
export function extractQuickStart(readme) {
  const lines = readme.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() === QUICK_START_HEADING);
  if (start === -1) return { missing: `no "${QUICK_START_HEADING}" section` };
  let fence = null;
  const body = [];
  for (const line of lines.slice(start + 1)) {
    if (fence === null) {
      if (/^## /.test(line)) break;
      const open = /^(`{3,})\s*(ts|typescript)\s*$/.exec(line);
      if (open) fence = open[1];
      continue;
    }
    if (line.trim() === fence) return { code: body.join('\n') + '\n' };
    body.push(line);
  }
  if (fence !== null)
    return { missing: `the ts block under "${QUICK_START_HEADING}" is not closed` };
  return { missing: `no \`\`\`ts block under "${QUICK_START_HEADING}"` };
}

/**
 * Points a quick start at local test infrastructure: the JWKS URI (the literal, or a template
 * literal `${…}/jwks` built from the issuer) becomes `jwksUri`, and the `3000` of a `listen(…)`
 * call becomes `port`. `publicUrl` is read from `publicUrl: '…'` or `publicUrl = '…'`.
 * Everything else stays as written.
 *
 * @param {string} code the quick start
 * @param {{ jwksUri: string, port: number }} local
 * @returns {{ code: string, jwksReplaced: boolean, listens: boolean, publicUrl: string | undefined }}
 */
export function localizeQuickStart(code, { jwksUri, port }) {
  let out = code;
  let jwksReplaced = false;
  for (const quote of ["'", '"', '`']) {
    const literal = `${quote}${README_JWKS_URI}${quote}`;
    if (out.includes(literal)) {
      out = out.split(literal).join(JSON.stringify(jwksUri));
      jwksReplaced = true;
    }
  }
  const template = /`\$\{[\w.]+\}\/jwks`/g;
  if (template.test(out)) {
    out = out.replace(template, JSON.stringify(jwksUri));
    jwksReplaced = true;
  }
  const listen = new RegExp(`(\\.listen\\([^)]*?)\\b${README_PORT}\\b`, 'g');
  const listens = listen.test(out);
  out = out.replace(listen, `$1${port}`);
  const publicUrl = /\bpublicUrl\s*[:=]\s*(['"`])([^'"`]+)\1/.exec(out)?.[2];
  return { code: out, jwksReplaced, listens, publicUrl };
}
