/**
 * docs/requirements.md defines every requirement ID the repository cites: an ID cited in code,
 * tests or docs must have an entry, an enforced entry must be cited by a test, and the files and
 * test names an entry points to must exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FAMILY_WILDCARD,
  citationIndex,
  extractCitedIds,
  isTestFile,
  listTextFiles,
  parseRequirementsDoc,
  type RequirementEntry,
} from './requirement-ids.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOC = 'docs/requirements.md';
/** This test and its helper cite sample IDs; they prove nothing about the rules. */
const SELF = [
  'packages/core/test/requirements-doc.test.ts',
  'packages/core/test/requirement-ids.ts',
];

const files = listTextFiles(ROOT, ['README.md', 'docs', 'packages', 'apps']).filter(
  (file) =>
    !SELF.includes(file) &&
    // Package sources, tests and READMEs; everything in apps; the root README and docs.
    (/^packages\/[^/]+\/(?:src|test)\//.test(file) ||
      /^packages\/[^/]+\/README\.md$/.test(file) ||
      /^(?:apps|docs)\//.test(file) ||
      file === 'README.md'),
);
const cited = citationIndex(ROOT, files);
const entries = parseRequirementsDoc(readFileSync(join(ROOT, DOC), 'utf8'));
const byId = new Map(entries.map((entry) => [entry.id, entry]));

describe('extractCitedIds', () => {
  test.each([
    ['one rule (RS-DPOP-09).', ['RS-DPOP-09']],
    [
      'a list RS-MTLS-01/02 and RS-DPOP-10, 17',
      ['RS-DPOP-10', 'RS-DPOP-17', 'RS-MTLS-01', 'RS-MTLS-02'],
    ],
    [
      'ranges RS-TOK-01..03 and RS-GEN-07..09/13',
      ['RS-GEN-07', 'RS-GEN-08', 'RS-GEN-09', 'RS-GEN-13', 'RS-TOK-01', 'RS-TOK-02', 'RS-TOK-03'],
    ],
    ['RS-DPOP-01..03, 16', ['RS-DPOP-01', 'RS-DPOP-02', 'RS-DPOP-03', 'RS-DPOP-16']],
    ['family RS-JWT-*', ['RS-JWT-*']],
    ['vectors N04–N06, N23/N24 and N10-N11', ['N04', 'N05', 'N06', 'N10', 'N11', 'N23', 'N24']],
    ["specIds: ['N37', 'RS-DPOP-09']", ['N37', 'RS-DPOP-09']],
    ['not IDs: SN12, N123, N1, X-N12, RS-GEN-1, rs-gen-01, ERR_FAPI_N12X', []],
  ])('%s', (text, ids) => {
    expect(extractCitedIds(text)).toEqual(ids);
  });

  test('refuses a reversed range rather than citing nothing', () => {
    expect(() => extractCitedIds('RS-GEN-09..07')).toThrow(RangeError);
  });
});

describe('parseRequirementsDoc', () => {
  const sample = [
    '| ID | Rule | Source | Enforced in | Proved by |',
    '|---|---|---|---|---|',
    '| <a id="rs-gen-01"></a>RS-GEN-01 | header only | [x](https://e) | `packages/core/src/extract.ts` | `packages/core/test/vectors.test.ts` "N02" |',
    '| <a id="n56"></a>N56 | no signature | [y](https://e) | **planned**: not implemented | — |',
  ].join('\n');

  test('reads ID, anchor, status and the paths of each row', () => {
    const [rule, vector] = parseRequirementsDoc(sample);
    expect(rule).toMatchObject({
      id: 'RS-GEN-01',
      anchor: 'rs-gen-01',
      status: 'enforced',
      paths: ['packages/core/src/extract.ts', 'packages/core/test/vectors.test.ts'],
      line: 3,
    });
    expect(vector).toMatchObject({ id: 'N56', status: 'planned', paths: [] });
  });

  test('refuses a row with a missing cell', () => {
    expect(() => parseRequirementsDoc('| <a id="n01"></a>N01 | rule | source | file |')).toThrow(
      /N01 needs 5 cells/,
    );
  });
});

describe('docs/requirements.md', () => {
  test('finds the citations it checks (the scan is not empty)', () => {
    expect(entries.length).toBeGreaterThan(100);
    expect(cited.get('RS-DPOP-09')).toContain('packages/core/test/vectors.test.ts');
  });

  test('lists each ID once, anchored by its lower-case ID', () => {
    const ids = entries.map((entry) => entry.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(entries.filter((entry) => entry.anchor !== entry.id.toLowerCase())).toEqual([]);
  });

  test('has an entry for every ID cited in the repository', () => {
    const missing = [...cited]
      .filter(([id]) =>
        FAMILY_WILDCARD.test(id)
          ? !entries.some((entry) => entry.id.startsWith(id.slice(0, -1)))
          : !byId.has(id),
      )
      .map(([id, where]) => `${id} (cited in ${where.join(', ')})`);
    expect(missing).toEqual([]);
  });

  test('every enforced entry is cited by a test, and lists a test file', () => {
    const untested = entries
      .filter((entry) => entry.status === 'enforced')
      .filter(
        (entry) =>
          !(cited.get(entry.id) ?? []).some(isTestFile) ||
          !entry.paths.some((path) => isTestFile(path)),
      )
      .map((entry) => `${entry.id} (${DOC}:${entry.line})`);
    expect(untested).toEqual([]);
  });

  test('planned and out-of-scope entries name no test', () => {
    const claimed = entries
      .filter((entry) => entry.status !== 'enforced' && entry.provedBy !== '—')
      .map((entry) => entry.id);
    expect(claimed).toEqual([]);
  });

  test('every file an entry names exists', () => {
    const absent = entries.flatMap((entry) =>
      entry.paths
        .filter((path) => !existsSync(join(ROOT, path)))
        .map((path) => `${entry.id}: ${path}`),
    );
    expect(absent).toEqual([]);
  });

  test('every quoted test name is found in the file named before it', () => {
    expect(entries.flatMap(unknownTestNames)).toEqual([]);
  });

  test('every link to docs/requirements.md#…, and each of its own #links, lands on a row or a heading', () => {
    const doc = readFileSync(join(ROOT, DOC), 'utf8');
    const anchors = new Set([
      ...entries.map((entry) => entry.anchor),
      ...[...doc.matchAll(/^#+ (.+)$/gm)].map(([, heading]) => headingSlug(heading ?? '')),
    ]);
    const broken = files.flatMap((file) =>
      [
        ...readFileSync(join(ROOT, file), 'utf8').matchAll(
          file === DOC ? /\]\(#([\w-]+)\)/g : /requirements\.md#([\w-]+)/g,
        ),
      ]
        .map(([, anchor]) => anchor ?? '')
        .filter((anchor) => !anchors.has(anchor))
        .map((anchor) => `${file}: #${anchor}`),
    );
    expect(broken).toEqual([]);
  });
});

/** `"name"` in the "proved by" cell must occur in the last backticked file before it. */
function unknownTestNames(entry: RequirementEntry): string[] {
  const wrong: string[] = [];
  let file: string | undefined;
  for (const [, path, name] of entry.provedBy.matchAll(/`([^`]+)`|"([^"]+)"/g)) {
    if (path !== undefined) file = path;
    else if (name !== undefined) {
      const text =
        file && existsSync(join(ROOT, file)) ? readFileSync(join(ROOT, file), 'utf8') : '';
      if (!text.includes(name)) wrong.push(`${entry.id}: "${name}" not in ${file ?? 'any file'}`);
    }
  }
  return wrong;
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
function headingSlug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}
