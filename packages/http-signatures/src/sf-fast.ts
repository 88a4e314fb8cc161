/**
 * Serialization (RFC 9651 §4.1) of the shapes a FAPI signature uses, without the general
 * serializer of `structured-headers`: strings with no character to escape, integers in range,
 * `true`, and keys that need no check beyond one regular expression. Anything else (another
 * bare item type, a character to escape or refuse, an integer out of range, an invalid key, a
 * parameters object that is not a `Map`) goes to `structured-headers`, which stays the
 * reference: a property test checks that both give the same string or both throw.
 */
import {
  serializeInnerList as serializeInnerListSf,
  serializeItem as serializeItemSf,
  type BareItem,
  type InnerList,
  type Item,
  type Parameters,
} from 'structured-headers';

/** RFC 9651 §4.1.1.3 keys. */
const KEY = /^[a-z*][*\-_.a-z0-9]*$/;
/** Printable ASCII without `"` and `\`: a string serialized as it is, between quotes. */
const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const MAX_INTEGER = 999_999_999_999_999;

function plainBareItem(value: BareItem): string | undefined {
  if (typeof value === 'string') return PLAIN_STRING.test(value) ? `"${value}"` : undefined;
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= MAX_INTEGER) {
    return String(value);
  }
  return undefined;
}

function plainParameters(params: Parameters): string | undefined {
  if (!(params instanceof Map)) return undefined;
  let out = '';
  for (const [key, value] of params) {
    if (!KEY.test(key)) return undefined;
    if (value === true) {
      out += `;${key}`;
      continue;
    }
    const bare = plainBareItem(value);
    if (bare === undefined) return undefined;
    out += `;${key}=${bare}`;
  }
  return out;
}

function plainItem(item: Item): string | undefined {
  const bare = plainBareItem(item[0]);
  if (bare === undefined) return undefined;
  const params = plainParameters(item[1]);
  return params === undefined ? undefined : bare + params;
}

/**
 * `serializeItem` of `structured-headers` for an item with its parameters, the same string.
 *
 * @example
 * serializeItem(['@method', new Map()]); // '"@method"'
 * @see https://www.rfc-editor.org/rfc/rfc9651#section-4.1.3
 */
export function serializeItem(item: Item): string {
  return plainItem(item) ?? serializeItemSf(item);
}

/**
 * `serializeInnerList` of `structured-headers`, the same string.
 *
 * @example
 * serializeInnerList([[['@method', new Map()]], new Map([['created', 1618884473]])]);
 * // '("@method");created=1618884473'
 * @see https://www.rfc-editor.org/rfc/rfc9651#section-4.1.1.1
 */
export function serializeInnerList(list: InnerList): string {
  const items = list[0];
  if (Array.isArray(items)) {
    let out = '(';
    for (let i = 0; i < items.length; i += 1) {
      const item = Array.isArray(items[i]) ? plainItem(items[i] as Item) : undefined;
      if (item === undefined) return serializeInnerListSf(list);
      out += i === 0 ? item : ` ${item}`;
    }
    const params = plainParameters(list[1]);
    if (params !== undefined) return `${out})${params}`;
  }
  return serializeInnerListSf(list);
}
