/**
 * The RFC 9421 signature base: component values (derived components and header fields, with the
 * `sf`, `key`, `req` and `name` parameters) and the `@signature-params` line. Pure functions of
 * the messages; no cryptography here.
 */
import {
  parseDictionary,
  serializeDictionary,
  type BareItem,
  type InnerList,
  type Item,
  type Parameters,
} from 'structured-headers';
import type { HeaderBag } from './message.js';
import { serializeInnerList, serializeItem } from './sf-fast.js';

/** A message whose components a signature base reads. */
export interface BaseMessage {
  headers: HeaderBag;
  /** Requests only. */
  method?: string | undefined;
  url?: URL | undefined;
  /** Responses only. */
  status?: number | undefined;
}

/** Why a component has no value: absent from the message, or a form this verifier refuses. */
export class ComponentError extends Error {
  constructor(
    readonly reason: 'missing' | 'unsupported',
    message: string,
  ) {
    super(message);
    this.name = 'ComponentError';
  }
}

/** Fields that are RFC 8941/9651 dictionaries, so `;sf` and `;key` can re-serialize them. */
const DICTIONARY_FIELDS = new Set([
  'signature',
  'signature-input',
  'content-digest',
  'repr-digest',
  'want-content-digest',
  'want-repr-digest',
  'accept-signature',
]);

const COMPONENT_PARAMS = new Set(['sf', 'key', 'req', 'name']);

/** Up to this many components, a repeat is looked for in the ones before it. */
const SCAN_MAX = 16;

/** The component identifier as it appears in the base and in `Signature-Input`. */
export function serializeComponent(component: Item): string {
  return serializeItem(component);
}

/**
 * The value of one component (RFC 9421 §2.1, §2.2), from `message` or, with `;req`, from
 * `request`. Throws a {@link ComponentError} when it has none.
 */
export function componentValue(component: Item, message: BaseMessage, request?: BaseMessage) {
  const [name, params] = component;
  if (typeof name !== 'string') throw new ComponentError('unsupported', 'not a string');
  if (params.size > 0) {
    for (const key of params.keys()) {
      if (!COMPONENT_PARAMS.has(key)) throw new ComponentError('unsupported', `;${key}`);
    }
  }
  let source = message;
  if (params.has('req')) {
    if (params.get('req') !== true || request === undefined) {
      throw new ComponentError('unsupported', ';req without a related request');
    }
    source = request;
  }
  return name.startsWith('@')
    ? derivedValue(name, params, source)
    : fieldValue(name, params, source);
}

function derivedValue(name: string, params: Parameters, message: BaseMessage): string {
  if (name === '@status') {
    if (message.status === undefined) throw new ComponentError('unsupported', '@status');
    return String(message.status);
  }
  const url = message.url;
  if (url === undefined || message.method === undefined) {
    throw new ComponentError('unsupported', `${name} of a response`);
  }
  if (name !== '@query-param' && params.has('name')) {
    throw new ComponentError('unsupported', ';name');
  }
  switch (name) {
    case '@method':
      return message.method;
    case '@target-uri':
      return url.href;
    case '@authority':
      return url.host;
    case '@scheme':
      return url.protocol.slice(0, -1);
    case '@request-target':
      return `${url.pathname}${url.search}`;
    case '@path':
      return url.pathname === '' ? '/' : url.pathname;
    case '@query':
      return url.search === '' ? '?' : url.search;
    case '@query-param':
      return queryParam(url, params.get('name'));
    default:
      throw new ComponentError('unsupported', name);
  }
}

function queryParam(url: URL, name: BareItem | undefined): string {
  if (typeof name !== 'string') throw new ComponentError('unsupported', '@query-param name');
  const values = url.searchParams.getAll(name);
  if (values.length === 0) throw new ComponentError('missing', '@query-param');
  // RFC 9421 §2.2.8: a repeated parameter is ambiguous and cannot be signed on its own.
  if (values.length > 1) throw new ComponentError('unsupported', 'repeated @query-param');
  return encodeURIComponent(values[0] as string);
}

function fieldValue(name: string, params: Parameters, message: BaseMessage): string {
  if (name !== name.toLowerCase()) throw new ComponentError('unsupported', 'upper-case field');
  if (params.has('name')) throw new ComponentError('unsupported', ';name');
  const lines = message.headers.get(name);
  if (lines === undefined) throw new ComponentError('missing', name);
  // RFC 9421 §2.1: each field line trimmed, then joined with a comma and a space.
  const value =
    lines.length === 1 ? (lines[0] as string).trim() : lines.map((line) => line.trim()).join(', ');
  const key = params.get('key');
  if (!params.has('sf') && key === undefined) return value;
  if (!DICTIONARY_FIELDS.has(name)) throw new ComponentError('unsupported', `${name};sf`);
  let dictionary: Map<string, Item | InnerList>;
  try {
    dictionary = parseDictionary(value);
  } catch {
    throw new ComponentError('unsupported', `${name} is not a dictionary`);
  }
  if (key === undefined) return serializeDictionary(dictionary);
  if (typeof key !== 'string') throw new ComponentError('unsupported', ';key');
  const member = dictionary.get(key);
  if (member === undefined) throw new ComponentError('missing', `${name};key`);
  return Array.isArray(member[0])
    ? serializeInnerList(member as InnerList)
    : serializeItem(member as Item);
}

/**
 * The signature base (RFC 9421 §2.5): one line per covered component, then
 * `"@signature-params"` with the serialized inner list of components and parameters.
 *
 * @example
 * createSignatureBase([[['@method', new Map()], ['@path', new Map()]], params], message);
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-2.5
 */
export function createSignatureBase(
  input: InnerList,
  message: BaseMessage,
  request?: BaseMessage,
): string {
  return signatureBaseOf(
    input,
    input[0].map((component) => serializeComponent(component)),
    serializeInnerList(input),
    message,
    request,
  );
}

/**
 * {@link createSignatureBase} with the component identifiers and the serialized `input`
 * already at hand (the verifier needs both anyway, so they are serialized once).
 */
export function signatureBaseOf(
  input: InnerList,
  identifiers: readonly string[],
  signatureParams: string,
  message: BaseMessage,
  request?: BaseMessage,
): string {
  const components = input[0];
  // A repeat among a few is found by looking back; among many, by a set (no quadratic work).
  const seen = components.length > SCAN_MAX ? new Set<string>() : undefined;
  // Joined once at the end: a flat string, where `+=` would make a chain to flatten again.
  const lines: string[] = [];
  for (let index = 0; index < components.length; index += 1) {
    const component = components[index] as Item;
    const identifier = identifiers[index] as string;
    const repeated =
      seen === undefined
        ? index > 0 && identifiers.lastIndexOf(identifier, index - 1) !== -1
        : seen.has(identifier);
    if (component[0] === '@signature-params' || repeated) {
      throw new ComponentError('unsupported', 'repeated or reserved component');
    }
    seen?.add(identifier);
    lines.push(identifier, ': ', componentValue(component, message, request), '\n');
  }
  lines.push('"@signature-params": ', signatureParams);
  return lines.join('');
}
