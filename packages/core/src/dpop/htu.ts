const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/;
const PERCENT = /%([0-9A-Fa-f]{2})/g;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * Normalizes an HTTP(S) URI for the DPoP `htu` comparison (RFC 9449 §4.3 item 9): query and
 * fragment dropped, scheme and host lower-cased, default port removed, percent-encoding
 * normalized (RFC 3986 §6.2.2.1-2). The path is otherwise compared as sent: no case folding and
 * no dot-segment removal, so `/A` and `/a/../b` never match `/a` and `/b` (reject vector N38).
 * Returns undefined when `uri` is not an absolute http(s) URI without userinfo.
 *
 * @example
 * normalizeHtu('HTTPS://API.bank.example:443/accounts?x=1'); // 'https://api.bank.example/accounts'
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export function normalizeHtu(uri: string): string | undefined {
  if (uri.length > MEMO_MAX_LENGTH) return normalize(uri);
  let normalized = memo.get(uri);
  if (normalized === undefined && !memo.has(uri)) {
    normalized = normalize(uri);
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(uri, normalized);
  }
  return normalized;
}

/**
 * Normalized URIs already computed (a server sees a few distinct URLs over and over; the URL
 * parse is a good part of a warm request). Bounded: cleared when full, and long URIs are not
 * kept, so no traffic can grow it past {@link MEMO_MAX} × {@link MEMO_MAX_LENGTH} characters.
 */
const memo = new Map<string, string | undefined>();
const MEMO_MAX = 1_000;
const MEMO_MAX_LENGTH = 2_048;

function normalize(uri: string): string | undefined {
  const match = ABSOLUTE.exec(uri);
  if (!match) return undefined;
  const scheme = (match[1] as string).toLowerCase();
  const authority = match[2] as string;
  if ((scheme !== 'https' && scheme !== 'http') || authority === '' || authority.includes('@')) {
    return undefined;
  }
  let host: string;
  try {
    host = new URL(`${scheme}://${authority}/`).host;
  } catch {
    return undefined;
  }
  const path = match[3] || '/';
  return `${scheme}://${host}${path.includes('%') ? normalizePercentEncoding(path) : path}`;
}

function normalizePercentEncoding(path: string): string {
  return path.replace(PERCENT, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}
