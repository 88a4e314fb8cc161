/**
 * The `Signature-Input` and `Signature` fields (RFC 9421 §4) as both sides read them: the
 * signature with a given tag, its time parameters and its string parameters. Pure functions
 * that throw a {@link FieldError}; the request verifier and the response verifier each map it
 * to their own error.
 */
import type { Dictionary, InnerList } from 'structured-headers';
import type { HeaderBag } from './message.js';
import { MAX_PARAMETER_LENGTH } from './options.js';
import {
  byteSequenceMember,
  innerListMember,
  parseDictionary,
  serializeInnerList,
  serializeItem,
} from './sf-fast.js';

/** Which rule a signature field breaks. */
export type FieldRule = 'malformed' | 'tag' | 'created' | 'expired';

/** A signature field that breaks a rule, with a message naming it (never a field value). */
export class FieldError extends Error {
  constructor(
    readonly rule: FieldRule,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'FieldError';
  }
}

function dictionary(headers: HeaderBag, name: string): Dictionary {
  try {
    return parseDictionary((headers.get(name) ?? []).join(', '));
  } catch (error) {
    throw new FieldError('malformed', `${name} is not a structured dictionary`, { cause: error });
  }
}

/** A selected signature: its label, its `Signature-Input` member and its bytes. */
export interface TaggedSignature {
  label: string;
  input: InnerList;
  bytes: Uint8Array;
  /** The member serialized (`("@method" ...);created=...`), the base's `@signature-params`. */
  signatureParams: string;
  /** Each covered component serialized (`"@method"`), as the base and the evidence spell it. */
  components: readonly string[];
}

function checkComponents(input: InnerList): void {
  for (const component of input[0]) {
    if (typeof component[0] !== 'string') throw new FieldError('malformed', 'component');
  }
}

/**
 * The signature as signers send it (one field line each, one member each, in canonical form),
 * read without building the two dictionaries; undefined when either field is in any other
 * form, which the general parse reads instead (with the same outcome, see the property tests).
 */
function canonicalSignature(headers: HeaderBag, tag: string): TaggedSignature | undefined {
  const inputLines = headers.get('signature-input');
  const signatureLines = headers.get('signature');
  if (inputLines?.length !== 1 || signatureLines?.length !== 1) return undefined;
  const input = innerListMember(inputLines[0] as string);
  if (input === undefined) return undefined;
  const signature = byteSequenceMember(signatureLines[0] as string);
  if (signature === undefined) return undefined;
  if (input.list[1].get('tag') !== tag) {
    throw new FieldError('tag', `no signature has the tag ${tag}`);
  }
  if (signature.label !== input.label) {
    throw new FieldError('malformed', 'no signature for the label');
  }
  return {
    label: input.label,
    input: input.list,
    bytes: signature.bytes,
    signatureParams: input.text,
    components: input.items,
  };
}

/**
 * {@link selectTaggedSignature} by the general parse of both fields, whatever their form (the
 * reference the canonical reading is tested against).
 */
export function dictionarySignature(headers: HeaderBag, tag: string): TaggedSignature {
  const inputs = dictionary(headers, 'signature-input');
  const signatures = dictionary(headers, 'signature');
  for (const [label, input] of inputs) {
    if (!Array.isArray(input[0])) throw new FieldError('malformed', 'not an inner list');
    if (input[1].get('tag') !== tag) continue;
    const signature = signatures.get(label);
    if (signature === undefined || !(signature[0] instanceof ArrayBuffer)) {
      throw new FieldError('malformed', 'no signature for the label');
    }
    checkComponents(input as InnerList);
    return {
      label,
      input: input as InnerList,
      bytes: new Uint8Array(signature[0]),
      signatureParams: serializeInnerList(input as InnerList),
      components: input[0].map((component) => serializeItem(component)),
    };
  }
  throw new FieldError('tag', `no signature has the tag ${tag}`);
}

/** The first signature whose `tag` parameter is `tag`, with its bytes. */
export function selectTaggedSignature(headers: HeaderBag, tag: string): TaggedSignature {
  return canonicalSignature(headers, tag) ?? dictionarySignature(headers, tag);
}

/** The window `created` must fall in, in seconds. */
export interface TimeWindow {
  nowS: number;
  maxAgeS: number;
  clockToleranceS: number;
}

/** `created` (required, within the window) and `expires` (optional, not passed). */
export function checkSignatureTime(input: InnerList, window: TimeWindow) {
  const params = input[1];
  const created = params.get('created');
  if (!Number.isInteger(created)) throw new FieldError('created', 'no created');
  const createdS = created as number;
  if (window.nowS - createdS > window.maxAgeS || createdS - window.nowS > window.clockToleranceS) {
    throw new FieldError('created', 'created is outside the window');
  }
  const expires = params.get('expires');
  if (expires !== undefined && !Number.isInteger(expires)) {
    throw new FieldError('malformed', 'expires');
  }
  if (typeof expires === 'number' && window.nowS >= expires) {
    throw new FieldError('expired', 'expires has passed');
  }
  return { created: createdS, expires: expires as number | undefined };
}

/** A string parameter (`keyid`, `nonce`): absent, or 1 to 256 characters. */
export function stringParameter(input: InnerList, name: string): string | undefined {
  const value = input[1].get(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PARAMETER_LENGTH) {
    throw new FieldError('malformed', `${name} is not a short string`);
  }
  return value;
}
