/**
 * Parsing and serialization (RFC 9651) of the shapes a FAPI signature uses, without the general
 * parser and serializer of `structured-headers`. Serialized: strings with no character to
 * escape, integers in range, `true`, keys that need no check beyond one regular expression.
 * Parsed: a `Signature-Input` of one member, an inner list of such strings without parameters
 * with such parameters, and a `Signature` of one member, a padded byte sequence. Anything else
 * (another type, a character to escape or refuse, whitespace, a second member, an integer out
 * of range, an invalid key) goes to `structured-headers`, which stays the reference: property
 * tests check that both give the same result or both throw.
 */
import {
  parseDictionary as parseDictionarySf,
  serializeInnerList as serializeInnerListSf,
  serializeItem as serializeItemSf,
  type BareItem,
  type Dictionary,
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
  const known = SERIALIZED.get(list);
  if (known !== undefined) return known.text;
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

/** Longer values take the general parser (a `Signature-Input` is a few hundred characters). */
const MAX_FAST_LENGTH = 2048;
const KEY_SRC = '[a-z*][*\\-_.a-z0-9]*';
const STRING_SRC = '"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*"';
/** Integers as they serialize: no sign, no leading zero (`007` takes the general parser). */
const INTEGER_SRC = '(?:0|[1-9][0-9]{0,14})';
const PARAM_SRC = `;${KEY_SRC}(?:=(?:${INTEGER_SRC}|${STRING_SRC}))?`;
/** `label=:base64:`, padded to a multiple of four characters. */
const BYTES_MEMBER = new RegExp(
  `^(${KEY_SRC})=:((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?):$`,
);
/** `label=("a" "b");key=1;key="v";flag`. */
const LIST_MEMBER = new RegExp(
  `^(${KEY_SRC})=\\(((?:${STRING_SRC}(?: ${STRING_SRC})*)?)\\)((?:${PARAM_SRC})*)$`,
);
const PARAM = new RegExp(`;(${KEY_SRC})(?:=(${INTEGER_SRC}|${STRING_SRC}))?`, 'y');

/**
 * Inner lists this module parsed from text that is already their serialization (RFC 9651
 * §4.1.1.1): the text and the serialized items, so that serializing them again (the signature
 * base needs both) is a lookup. Keyed by the parsed list, which only the verifier holds.
 */
const SERIALIZED = new WeakMap<InnerList, { text: string; items: readonly string[] }>();

function listMember(text: string, items: string, params: string): InnerList {
  const list: Item[] = [];
  const serializedItems: string[] = [];
  if (items.length > 0) {
    // Plain strings hold no `"`: the items are separated by `" "` and nothing else.
    for (const name of items.slice(1, -1).split('" "')) {
      list.push([name, new Map()]);
      serializedItems.push(`"${name}"`);
    }
  }
  const parameters = new Map<string, BareItem>();
  let count = 0;
  PARAM.lastIndex = 0;
  for (let match = PARAM.exec(params); match !== null; match = PARAM.exec(params)) {
    const [, key, value] = match as unknown as [string, string, string | undefined];
    if (value === undefined) parameters.set(key, true);
    else if (value.startsWith('"')) parameters.set(key, value.slice(1, -1));
    else parameters.set(key, parseInt(value, 10));
    count += 1;
  }
  const parsed: InnerList = [list, parameters];
  // A repeated parameter keeps its last value only: its text is not its serialization.
  if (count === parameters.size) SERIALIZED.set(parsed, { text, items: serializedItems });
  return parsed;
}

/**
 * The serialized items of an inner list (`"@method"`, as the signature base and the evidence
 * spell them): remembered when this module parsed the list, else serialized.
 *
 * @example
 * serializedItems([[['@method', new Map()]], new Map()]); // ['"@method"']
 */
export function serializedItems(list: InnerList): readonly string[] {
  return SERIALIZED.get(list)?.items ?? list[0].map((item) => serializeItem(item));
}

/**
 * `parseDictionary` of `structured-headers`: the same dictionary, or the same error.
 *
 * @example
 * parseDictionary('sig1=("@method");created=1618884473').get('sig1');
 * // [[['@method', Map {}]], Map { 'created' => 1618884473 }]
 * @see https://www.rfc-editor.org/rfc/rfc9651#section-4.2.2
 */
export function parseDictionary(value: string): Dictionary {
  if (value.length <= MAX_FAST_LENGTH) {
    const bytes = BYTES_MEMBER.exec(value);
    if (bytes !== null) {
      const decoded = Buffer.from(bytes[2] as string, 'base64');
      const buffer = decoded.buffer.slice(decoded.byteOffset, decoded.byteOffset + decoded.length);
      return new Map([[bytes[1] as string, [buffer, new Map()]]]);
    }
    const list = LIST_MEMBER.exec(value);
    if (list !== null) {
      const text = value.slice((list[1] as string).length + 1);
      return new Map([[list[1] as string, listMember(text, list[2] as string, list[3] as string)]]);
    }
  }
  return parseDictionarySf(value);
}
