/**
 * The `publicPaths` option of the Express and Koa adapters: paths the guard lets through without
 * verifying. Entries are exact
 * paths (`/health`) or prefixes written with a trailing `/*` (`/docs/*` matches `/docs` and
 * everything under `/docs/`), compared case-sensitively with the raw request path.
 */

/** Decides whether a raw request target (`req.originalUrl`) is public. */
export type PublicPathMatcher = (target: string) => boolean;

/**
 * A dot segment (`.`, `..`, or any `%2e`), an encoded `/` or `\` (`%2f`, `%5c`), or a literal
 * `\`: paths a router or proxy may read differently from the plain string, so never public.
 */
const AMBIGUOUS = /%2e|%2f|%5c|\\|(?:^|\/)\.{1,2}(?:\/|$)/i;

/**
 * Checks `publicPaths` once, at set-up (adapters call it when they are created), and compiles
 * it. Throws a TypeError naming `publicPaths` for anything but an array of strings that start
 * with `/` and hold no `?`, `#`, whitespace or `*` other than a final `/*`.
 *
 * @example
 * const isPublic = compilePublicPaths(['/health', '/docs/*']);
 * isPublic('/docs/openapi.json?x=1'); // true
 * isPublic('/docs/../accounts'); // false: a dot segment is never public
 */
export function compilePublicPaths(value: unknown): PublicPathMatcher {
  if (value === undefined) return () => false;
  if (!Array.isArray(value)) throw new TypeError('publicPaths: must be an array of paths');
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const entry of value as unknown[]) {
    if (
      typeof entry !== 'string' ||
      !entry.startsWith('/') ||
      /[?#\s]/.test(entry) ||
      entry.slice(0, entry.endsWith('/*') ? -2 : undefined).includes('*')
    ) {
      throw new TypeError(
        `publicPaths: ${JSON.stringify(entry)} is not a path like '/health' or a prefix like '/docs/*'`,
      );
    }
    if (entry.endsWith('/*')) prefixes.push(entry.slice(0, -2));
    else exact.add(entry);
  }
  if (exact.size === 0 && prefixes.length === 0) return () => false;
  return (target) => {
    if (!target.startsWith('/')) return false;
    const path = target.split('?', 1)[0] as string;
    if (AMBIGUOUS.test(path)) return false;
    if (exact.has(path)) return true;
    return prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
  };
}
