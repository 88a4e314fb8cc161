/**
 * Reads requirement IDs (`RS-DPOP-09`, reject vectors `N37`) out of source, tests and docs, and
 * the entries of docs/requirements.md, so a test can keep the two in step.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A family wildcard such as `RS-JWT-*`: cites every ID of that family.
 *
 * @example
 * FAMILY_WILDCARD.test('RS-JWT-*'); // true
 */
export const FAMILY_WILDCARD = /^RS-[A-Z]+-\*$/;

const pad = (n: number): string => String(n).padStart(2, '0');

function expand(prefix: string, from: number, to: number, into: Set<string>): void {
  if (to < from || to - from > 60) throw new RangeError(`bad range ${prefix}${from}..${to}`);
  for (let n = from; n <= to; n += 1) into.add(`${prefix}${pad(n)}`);
}

/**
 * `RS-FAM-NN`, then any run of `..NN` / `–NN` (ranges) and `/NN` / `, NN` (more of the same
 * family): `RS-GEN-07..09/13`, `RS-DPOP-01..13, 16, 18`, `RS-MTLS-01/02`. Also `RS-FAM-*`.
 */
const RS_CITATION = /\bRS-([A-Z]+)-(\*|\d{2}(?:(?:\.\.|–|\/|, ?)\d{2}(?!\d))*)(?!\d)/g;
/** `N37`, or a range `N04–N06` / `N04-N06` / `N04..N06` / `N04–06`. */
const VECTOR_CITATION = /(?<![\w-])N(\d{2})(?:(?:–|-|\.\.)N?(\d{2}))?(?![\w])/g;

/**
 * Every requirement ID a text cites, ranges and lists expanded, sorted.
 *
 * @example
 * extractCitedIds('proof checks (RS-DPOP-01..03, 09), vectors N04–N06');
 * // ['N04', 'N05', 'N06', 'RS-DPOP-01', 'RS-DPOP-02', 'RS-DPOP-03', 'RS-DPOP-09']
 */
export function extractCitedIds(text: string): string[] {
  const ids = new Set<string>();
  for (const [, family, rest] of text.matchAll(RS_CITATION)) {
    const prefix = `RS-${family}-`;
    if (rest === '*') {
      ids.add(`${prefix}*`);
      continue;
    }
    // rest is "07..09/13": walk the numbers with the separator in front of each.
    const parts = [...(rest ?? '').matchAll(/(\.\.|–|\/|, ?)?(\d{2})/g)];
    let last = -1;
    for (const [, separator, digits] of parts) {
      const n = Number(digits);
      if (separator === '..' || separator === '–') expand(prefix, last + 1, n, ids);
      else ids.add(`${prefix}${pad(n)}`);
      last = n;
    }
  }
  for (const [, from, to] of text.matchAll(VECTOR_CITATION)) {
    if (to === undefined) ids.add(`N${from}`);
    else expand('N', Number(from), Number(to), ids);
  }
  return [...ids].sort();
}

/**
 * One entry of docs/requirements.md.
 *
 * @example
 * const entry: RequirementEntry = parseRequirementsDoc(markdown)[0];
 * entry.status; // 'enforced'
 */
export interface RequirementEntry {
  id: string;
  /** The value of the row's `<a id="…">` anchor. */
  anchor: string;
  rule: string;
  source: string;
  enforcedIn: string;
  provedBy: string;
  /** `planned` and `out of scope` entries need no test; every other entry does. */
  status: 'enforced' | 'planned' | 'out of scope';
  /** Repository paths written in backticks in the "enforced in" and "proved by" cells. */
  paths: string[];
  line: number;
}

const ROW = /^\| <a id="([^"]*)"><\/a>(RS-[A-Z]+-\d{2}|N\d{2}) \|(.*)\|\s*$/;

/**
 * Parses the requirement tables of docs/requirements.md: rows
 * `| <a id="rs-gen-01"></a>RS-GEN-01 | rule | source | enforced in | proved by |`.
 * An "enforced in" cell starting with `**planned**` or `**out of scope**` marks an entry that
 * no test has to cite.
 *
 * @example
 * parseRequirementsDoc('| <a id="n01"></a>N01 | rule | src | `packages/core/src/x.ts` | t |')[0].id;
 * // 'N01'
 */
export function parseRequirementsDoc(markdown: string): RequirementEntry[] {
  const entries: RequirementEntry[] = [];
  markdown.split('\n').forEach((text, index) => {
    const row = ROW.exec(text);
    if (!row) return;
    const [, anchor = '', id = '', rest = ''] = row;
    const cells = rest.split(' | ').map((cell) => cell.trim());
    if (cells.length !== 4) {
      throw new SyntaxError(`docs/requirements.md:${index + 1}: ${id} needs 5 cells`);
    }
    const [rule = '', source = '', enforcedIn = '', provedBy = ''] = cells;
    const status = enforcedIn.startsWith('**planned**')
      ? 'planned'
      : enforcedIn.startsWith('**out of scope**')
        ? 'out of scope'
        : 'enforced';
    const paths = [...`${enforcedIn} ${provedBy}`.matchAll(/`((?:packages|apps)\/[^`\s]+)`/g)].map(
      ([, path]) => path ?? '',
    );
    entries.push({
      id,
      anchor,
      rule,
      source,
      enforcedIn,
      provedBy,
      status,
      paths,
      line: index + 1,
    });
  });
  return entries;
}

const TEXT_FILE = /\.(?:ts|mts|mjs|js|md)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage', 'dev-fixtures']);

/**
 * Repository-relative paths of the text files under `dirs` (files may be listed too), skipping
 * `node_modules`, `dist`, `coverage` and `dev-fixtures`.
 *
 * @example
 * listTextFiles(root, ['README.md', 'docs']); // ['README.md', 'docs/errors.md', …]
 */
export function listTextFiles(root: string, dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    let names: string[];
    try {
      names = readdirSync(path);
    } catch {
      if (TEXT_FILE.test(path)) out.push(relative(root, path));
      return;
    }
    for (const name of names) if (!SKIPPED_DIRS.has(name)) walk(join(path, name));
  };
  for (const dir of dirs) walk(join(root, dir));
  return out.sort();
}

/**
 * Whether a repository path is a test: a Jest file or a conformance case table.
 *
 * @example
 * isTestFile('packages/core/test/vectors.test.ts'); // true
 * isTestFile('packages/core/src/extract.ts'); // false
 */
export function isTestFile(path: string): boolean {
  return (
    /\.(?:test|e2e)\.ts$/.test(path) || path.startsWith('packages/testing/src/conformance/cases/')
  );
}

/**
 * For each cited ID, the files that cite it.
 *
 * @example
 * citationIndex(root, ['packages/core/src/extract.ts']).get('RS-GEN-01');
 * // ['packages/core/src/extract.ts']
 */
export function citationIndex(root: string, files: string[]): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const file of files) {
    for (const id of extractCitedIds(readFileSync(join(root, file), 'utf8'))) {
      index.set(id, [...(index.get(id) ?? []), file]);
    }
  }
  return index;
}
