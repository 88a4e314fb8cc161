/**
 * Request headers in any of the shapes adapters have at hand. Duplicates must stay visible:
 * Node's `req.headers` silently drops a second `Authorization` and joins repeated `DPoP` values
 * with ", " (RS-TOK-04), so adapters pass `req.headersDistinct` or `req.rawHeaders` instead.
 *
 * @example
 * rs.verify({ method: req.method, url, headers: req.headersDistinct });
 */
export type HeaderInput =
  | HeadersLike
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | readonly string[]
  | ReadonlyArray<readonly [string, string]>;

/**
 * The part of the fetch `Headers` class core uses.
 *
 * @example
 * rs.verify({ method: request.method, url: request.url, headers: request.headers }); // fetch Request
 */
export interface HeadersLike {
  forEach(callback: (value: string, name: string) => void): void;
  get(name: string): string | null;
}

/** Lower-cased header name to every value received, in order. */
export type HeaderBag = ReadonlyMap<string, readonly string[]>;

function isHeadersLike(input: unknown): input is HeadersLike {
  return (
    typeof input === 'object' &&
    input !== null &&
    typeof (input as HeadersLike).forEach === 'function' &&
    typeof (input as HeadersLike).get === 'function'
  );
}

/**
 * Normalizes any supported header shape into a {@link HeaderBag}.
 * Throws a TypeError when the input is none of them (an adapter bug, not a client error).
 */
export function normalizeHeaders(input: HeaderInput): HeaderBag {
  const bag = new Map<string, string[]>();
  if (Array.isArray(input)) {
    if (input.length > 0 && Array.isArray(input[0])) {
      for (const pair of input as ReadonlyArray<readonly [string, string]>) {
        addHeader(bag, pair[0], pair[1]);
      }
    } else {
      const flat = input as readonly string[];
      for (let i = 0; i + 1 < flat.length; i += 2) addHeader(bag, flat[i] as string, flat[i + 1]);
    }
  } else if (isHeadersLike(input)) {
    input.forEach((value, name) => addHeader(bag, name, value));
  } else if (typeof input === 'object' && input !== null) {
    // Own names only (an inherited one is never a header), read without an array of entries.
    const record = input as Readonly<Record<string, string | readonly string[] | undefined>>;
    for (const name in record) {
      if (!Object.hasOwn(record, name)) continue;
      const value = record[name];
      if (Array.isArray(value)) for (const item of value) addHeader(bag, name, item);
      else addHeader(bag, name, value);
    }
  } else {
    throw new TypeError('request.headers must be a Headers, a record, or raw header pairs');
  }
  return bag;
}

/** Adds one field line to `bag` under its lower-cased name; a value that is not a string is none. */
function addHeader(bag: Map<string, string[]>, name: string, value: unknown): void {
  if (typeof value !== 'string') return;
  const key = name.toLowerCase();
  const values = bag.get(key);
  if (values) values.push(value);
  else bag.set(key, [value]);
}
