/** One challenge of a `WWW-Authenticate` value. */
export interface AuthChallenge {
  /** The scheme as sent, e.g. `DPoP`. */
  scheme: string;
  /** Auth-params by name, unquoted. */
  params: Record<string, string>;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";

/**
 * Parses a `WWW-Authenticate` value (one field, or several joined with `, `) made of challenges
 * whose auth-params are all quoted strings without escapes, as RFC 6750 §3 requires of them.
 * Throws on anything else: an unquoted or escaped value, a repeated parameter, a parameter
 * before any scheme, or trailing garbage. Returns `[]` for `undefined`.
 *
 * It does NOT accept token68 challenges (`Basic abc=`) or check parameter names.
 *
 * @example
 * ```ts
 * parseWwwAuthenticate('DPoP error="invalid_dpop_proof", algs="ES256", Bearer');
 * // [{ scheme: 'DPoP', params: { error: 'invalid_dpop_proof', algs: 'ES256' } },
 * //  { scheme: 'Bearer', params: {} }]
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function parseWwwAuthenticate(header: string | undefined): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  if (header === undefined) return challenges;
  const item = new RegExp(`\\s*(?:,\\s*)?(?:(${TOKEN})="([^"\\\\]*)"|(${TOKEN})(?=\\s|,|$))`, 'y');
  let match: RegExpExecArray | null;
  while (item.lastIndex < header.length && (match = item.exec(header))) {
    const [, name, value, scheme] = match;
    if (scheme) {
      challenges.push({ scheme, params: {} });
      continue;
    }
    const current = challenges[challenges.length - 1];
    if (!current || !name) throw new Error(`parameter before scheme: ${header}`);
    if (name in current.params) throw new Error(`repeated parameter ${name}: ${header}`);
    current.params[name] = value ?? '';
  }
  if (header.slice(item.lastIndex).trim() !== '') throw new Error(`unparseable: ${header}`);
  return challenges;
}
