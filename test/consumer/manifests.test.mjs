// The published packages' package.json files agree with each other: one version for all, sibling
// dependencies on that version, one Node range, and the fields publishing relies on.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PACKAGES, REPO_ROOT } from './project.mjs';

const read = (path) => JSON.parse(readFileSync(join(REPO_ROOT, path, 'package.json'), 'utf8'));
const root = read('.');
const manifests = new Map(PACKAGES.map((name) => [name, read(join('packages', name))]));
const version = manifests.get('core').version;

describe('package manifests', () => {
  for (const [name, pkg] of manifests) {
    it(`@fapi-guard/${name} is publishable, ESM, and on the shared version and Node range`, () => {
      assert.equal(pkg.name, `@fapi-guard/${name}`);
      assert.equal(pkg.private, undefined, 'private packages cannot be published');
      assert.equal(pkg.version, version, 'every package carries the same version');
      assert.equal(pkg.type, 'module');
      assert.equal(pkg.sideEffects, false);
      assert.equal(pkg.license, root.license);
      assert.equal(pkg.repository?.directory, `packages/${name}`);
      assert.ok(pkg.description && pkg.keywords?.length, 'description and keywords');
      assert.deepEqual(pkg.engines, root.engines, 'the Node range the root states and CI tests');
      assert.equal(pkg.publishConfig?.access, 'public', 'scoped packages publish as restricted');
      assert.deepEqual(pkg.exports, {
        '.': { types: './dist/index.d.ts', import: './dist/index.js' },
        './package.json': './package.json',
      });
    });

    it(`@fapi-guard/${name} depends on its siblings at ^${version}`, () => {
      for (const field of ['dependencies', 'peerDependencies']) {
        for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
          if (dep.startsWith('@fapi-guard/')) assert.equal(range, `^${version}`, `${field}.${dep}`);
        }
      }
    });
  }
});
