// How the consumer test finds and rewrites a README quick start.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractQuickStart, localizeQuickStart } from './quick-start.mjs';

const fence = '```';
const local = { jwksUri: 'http://127.0.0.1:4444/jwks', port: 5555 };

describe('extractQuickStart', () => {
  it('takes the first ts block under "## Quick start", not a later one', () => {
    const readme = [
      '# pkg',
      `${fence}ts`,
      'before();',
      fence,
      '## Quick start',
      'Some text.',
      `${fence}sh`,
      'npm install pkg',
      fence,
      `${fence}ts`,
      'first();',
      fence,
      `${fence}ts`,
      'second();',
      fence,
    ].join('\n');
    assert.deepEqual(extractQuickStart(readme), { code: 'first();\n' });
  });

  it('keeps ### subsections inside the section and stops at the next ## heading', () => {
    const readme = ['## Quick start', '### Express', `${fence}typescript`, 'x();', fence].join(
      '\n',
    );
    assert.deepEqual(extractQuickStart(readme), { code: 'x();\n' });
    const none = ['## Quick start', 'text', '## API', `${fence}ts`, 'api();', fence].join('\n');
    assert.match(extractQuickStart(none).missing, /no ```ts block/);
  });

  it('says why when there is no section or the block is not closed', () => {
    assert.match(extractQuickStart('## Example\n').missing, /no "## Quick start" section/);
    assert.match(extractQuickStart(`## Quick start\n${fence}ts\nx();\n`).missing, /not closed/);
  });
});

describe('localizeQuickStart', () => {
  it('points the JWKS literal and listen(3000) at local ones and reads publicUrl', () => {
    const code = [
      'app.use(fapiGuard({',
      "  jwksUri: 'https://as.bank.example/jwks',",
      "  publicUrl: 'https://api.bank.example', // the URL clients address",
      '}));',
      'app.listen(3000);',
    ].join('\n');
    const result = localizeQuickStart(code, local);
    assert.equal(result.jwksReplaced, true);
    assert.equal(result.listens, true);
    assert.equal(result.publicUrl, 'https://api.bank.example');
    assert.match(result.code, /jwksUri: "http:\/\/127\.0\.0\.1:4444\/jwks"/);
    assert.match(result.code, /app\.listen\(5555\);/);
    assert.doesNotMatch(result.code, /as\.bank\.example|3000/);
  });

  it('replaces a JWKS URI built from the issuer in a template literal', () => {
    const code =
      'forRoot({ ...fapi, jwksUri: `${fapi.issuer}/jwks` });\nawait app.listen(3000, () => {});';
    const result = localizeQuickStart(code, local);
    assert.equal(result.jwksReplaced, true);
    assert.equal(result.publicUrl, undefined);
    assert.match(result.code, /jwksUri: "http:\/\/127\.0\.0\.1:4444\/jwks"/);
    assert.match(result.code, /listen\(5555, /);
  });

  it('finds the port inside a listen expression and publicUrl in a variable', () => {
    const code = [
      "const publicUrl = 'https://api.bank.example/v1';",
      'app.use(fapiGuard({ issuer, audience, jwksUri, publicUrl }));',
      'app.listen(Number(process.env.PORT ?? 3000));',
    ].join('\n');
    const result = localizeQuickStart(code, local);
    assert.equal(result.listens, true);
    assert.equal(result.publicUrl, 'https://api.bank.example/v1');
    assert.match(result.code, /listen\(Number\(process\.env\.PORT \?\? 5555\)\);/);
  });

  it('reports a quick start without the JWKS literal or listen(3000)', () => {
    const result = localizeQuickStart(
      "createResourceServer({ jwksUri: 'https://x/jwks' });",
      local,
    );
    assert.equal(result.jwksReplaced, false);
    assert.equal(result.listens, false);
  });
});
