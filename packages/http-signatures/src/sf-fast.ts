/**
 * Parsing and serialization (RFC 9651) of the shapes a FAPI signature uses, without the general
 * parser and serializer of `structured-headers`. Serialized: strings with no character to
 * escape, integers in range, `true`, keys that need no check beyond one regular expression.
 * Parsed: a `Signature-Input` of one member, an inner list of such strings without parameters
 * with such parameters (read with its serialization, which is its own text), and a `Signature`
 * of one member, a padded byte sequence. Anything else
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

/**
 * The parameters of an item that has none, shared by every item these parsers make (a
 * verifier reads a few hundred per second per core; one map each was most of their garbage).
 * It refuses to change, so no reader can alter another's parameters.
 */
class NoParameters extends Map<string, BareItem> {
  override set(): this {
    throw new TypeError('the parameters of a parsed component are read-only');
  }
  override delete(): boolean {
    throw new TypeError('the parameters of a parsed component are read-only');
  }
  override clear(): void {
    throw new TypeError('the parameters of a parsed component are read-only');
  }
}
const NO_PARAMETERS: Parameters = new NoParameters();

const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const QUOTE = 0x22;

/**
 * The parameters of a member {@link LIST_MEMBER} matched (`;key`, `;key=123`, `;key="text"`),
 * read by position: a key holds no `;` or `=`, a string no `"`, an integer no `;`. The count of
 * parameters read is `size` unless a key repeats (its last value wins, as RFC 9651 §4.2.3.2 says).
 */
function readParameters(params: string): { parameters: Map<string, BareItem>; count: number } {
  const parameters = new Map<string, BareItem>();
  let count = 0;
  let at = 0;
  while (at < params.length) {
    let end = at + 1;
    while (end < params.length) {
      const c = params.charCodeAt(end);
      if (c === SEMICOLON || c === EQUALS) break;
      end += 1;
    }
    const key = params.slice(at + 1, end);
    if (end === params.length || params.charCodeAt(end) === SEMICOLON) {
      parameters.set(key, true);
      at = end;
    } else if (params.charCodeAt(end + 1) === QUOTE) {
      const close = params.indexOf('"', end + 2);
      parameters.set(key, params.slice(end + 2, close));
      at = close + 1;
    } else {
      const stop = params.indexOf(';', end + 1);
      at = stop === -1 ? params.length : stop;
      parameters.set(key, Number(params.slice(end + 1, at)));
    }
    count += 1;
  }
  return { parameters, count };
}

/** An inner list read from its text, with its serialization and that of each of its items. */
export interface ParsedInnerList {
  label: string;
  list: InnerList;
  /** `serializeInnerList(list)`: the text as received, which already is its serialization. */
  text: string;
  /** `serializeItem` of each item: `"@method"`. */
  items: readonly string[];
}

/**
 * A dictionary of one member whose value is an inner list of plain strings with plain
 * parameters (a `Signature-Input` as signers send it): its label, its list and their
 * serializations; undefined for any other value, which only the general parser can read.
 *
 * @example
 * innerListMember('sig1=("@method");created=1618884473')?.items; // ['"@method"']
 */
export function innerListMember(value: string): ParsedInnerList | undefined {
  if (value.length > MAX_FAST_LENGTH) return undefined;
  const match = LIST_MEMBER.exec(value);
  if (match === null) return undefined;
  const label = match[1] as string;
  const names = match[2] as string;
  // Plain strings hold no `"`: the items are separated by `" "` and nothing else.
  const split = names.length > 0 ? names.slice(1, -1).split('" "') : [];
  const list = split.map((name): Item => [name, NO_PARAMETERS]);
  const items = split.map((name) => `"${name}"`);
  const { parameters, count } = readParameters(match[3] as string);
  const parsed: InnerList = [list, parameters];
  // A repeated parameter keeps its last value only: its text is not its serialization.
  const text =
    count === parameters.size ? value.slice(label.length + 1) : serializeInnerList(parsed);
  return { label, list: parsed, text, items };
}

/**
 * A dictionary of one member whose value is a padded byte sequence without parameters (a
 * `Signature` as signers send it): its label and bytes; undefined for any other value.
 *
 * @example
 * byteSequenceMember('sig1=:AAEC:'); // { label: 'sig1', bytes: Buffer [0, 1, 2] }
 */
export function byteSequenceMember(value: string): { label: string; bytes: Buffer } | undefined {
  if (value.length > MAX_FAST_LENGTH) return undefined;
  const match = BYTES_MEMBER.exec(value);
  if (match === null) return undefined;
  return { label: match[1] as string, bytes: Buffer.from(match[2] as string, 'base64') };
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
  const bytes = byteSequenceMember(value);
  if (bytes !== undefined) {
    const { buffer, byteOffset, byteLength } = bytes.bytes;
    const copy = buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer;
    return new Map([[bytes.label, [copy, new Map()]]]);
  }
  const list = innerListMember(value);
  if (list !== undefined) return new Map([[list.label, list.list]]);
  return parseDictionarySf(value);
}
