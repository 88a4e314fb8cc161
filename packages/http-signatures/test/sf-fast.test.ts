/**
 * The fast paths for the structured fields a FAPI signature uses give exactly what
 * `structured-headers` gives: the same serialization (or both throw) for generated items and
 * inner lists, the same dictionary (or both throw) for generated and mutated `Signature-Input`
 * and `Signature` values, and the same `Content-Digest` verdict for generated and mutated values.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  parseDictionary,
  parseDictionary as referenceDictionary,
  serializeInnerList as referenceInnerList,
  serializeItem as referenceItem,
  Token,
  type BareItem,
  type InnerList,
  type Item,
  type Parameters,
} from 'structured-headers';
import { checkContentDigest } from '../src/content-digest.js';
import {
  innerListMember,
  parseDictionary as fastDictionary,
  serializeInnerList,
  serializeItem,
} from '../src/sf-fast.js';
import {
  dictionarySignature,
  FieldError,
  selectTaggedSignature,
  type TaggedSignature,
} from '../src/signature-fields.js';

function result(serialize: () => string): string {
  try {
    return `ok ${serialize()}`;
  } catch (error) {
    return `throws ${(error as Error).constructor.name}`;
  }
}

/** Printable ASCII, the characters to escape, and a few outside ASCII. */
const char = fc.oneof(
  fc.constantFrom('a', 'z', '@', '-', ' ', '"', '\\', ';', '(', ')', '=', '~', '\x1f', '\x7f', 'é'),
  fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
);
const text = fc.array(char, { maxLength: 12 }).map((chars) => chars.join(''));
const bareItem: fc.Arbitrary<BareItem> = fc.oneof(
  text,
  fc.constantFrom('@method', '@target-uri', 'content-digest', 'fapi-2-request', 'client-1-sig'),
  fc.integer(),
  fc.constantFrom(0, -0, 999_999_999_999_999, -999_999_999_999_999, 1e15, -1e15, 1618884473),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constantFrom(new Token('sha-256'), new ArrayBuffer(3)),
);
const key = fc.oneof(
  fc.constantFrom('created', 'keyid', 'nonce', 'tag', 'alg', 'expires', 'sf', 'req', 'key', '*a'),
  text,
);
const parameters: fc.Arbitrary<Parameters> = fc
  .array(fc.tuple(key, fc.oneof(bareItem, fc.constant(true as BareItem))), { maxLength: 4 })
  .map((entries) => new Map(entries));
const item: fc.Arbitrary<Item> = fc.tuple(bareItem, parameters);
const innerList: fc.Arbitrary<InnerList> = fc.tuple(fc.array(item, { maxLength: 6 }), parameters);

describe('the structured field fast paths agree with structured-headers', () => {
  test('serializeItem: the same string, or both throw', () => {
    fc.assert(
      fc.property(item, (value) => {
        expect(result(() => serializeItem(value))).toBe(result(() => referenceItem(value)));
      }),
      { numRuns: 3000 },
    );
  });

  test('serializeInnerList: the same string, or both throw', () => {
    fc.assert(
      fc.property(innerList, (value) => {
        expect(result(() => serializeInnerList(value))).toBe(
          result(() => referenceInnerList(value)),
        );
      }),
      { numRuns: 3000 },
    );
  });

  test('serializeInnerList of parsed Signature-Input members: the same string', () => {
    const member = fc
      .tuple(
        fc.subarray([
          '"@method"',
          '"@target-uri"',
          '"authorization"',
          '"dpop"',
          '"content-digest"',
        ]),
        fc.integer({ min: 0, max: 2_000_000_000 }),
        fc.stringMatching(/^[A-Za-z0-9_.-]{0,16}$/),
      )
      .map(
        ([components, created, nonce]) =>
          `sig1=(${components.join(' ')});created=${created};keyid="k";nonce="${nonce}";tag="fapi-2-request"`,
      );
    fc.assert(
      fc.property(member, (value) => {
        const input = parseDictionary(value).get('sig1') as InnerList;
        expect(serializeInnerList(input)).toBe(referenceInnerList(input));
      }),
      { numRuns: 500 },
    );
  });
});

/** The verdict of the full parse alone: what checkContentDigest gave before its fast path. */
function referenceDigestCheck(value: string, body: Uint8Array): boolean {
  let dictionary;
  try {
    dictionary = parseDictionary(value);
  } catch {
    return false;
  }
  if (dictionary.size === 0) return false;
  for (const [name, [digest]] of dictionary) {
    const hash = name === 'sha-256' ? 'sha256' : name === 'sha-512' ? 'sha512' : undefined;
    if (hash === undefined || !(digest instanceof ArrayBuffer)) return false;
    if (!createHash(hash).update(body).digest().equals(Buffer.from(digest))) return false;
  }
  return true;
}

describe('Content-Digest: the fast path gives the full parse verdict', () => {
  const body = Buffer.from('{"amount":"50.00","currency":"EUR"}');
  const good = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;

  test('on the canonical value, and on every one-character change of it', () => {
    expect(checkContentDigest(good, body)).toBe(true);
    const mutation = fc.tuple(
      fc.nat({ max: good.length }),
      fc.constantFrom('delete', 'insert', 'replace'),
      fc.oneof(char, fc.constantFrom('A', '+', '/', '=', ':', ',', ' ')),
    );
    fc.assert(
      fc.property(mutation, ([at, kind, c]) => {
        const value =
          kind === 'insert'
            ? good.slice(0, at) + c + good.slice(at)
            : good.slice(0, at) + (kind === 'replace' ? c : '') + good.slice(at + 1);
        expect(checkContentDigest(value, body)).toBe(referenceDigestCheck(value, body));
      }),
      { numRuns: 3000 },
    );
  });

  test('on generated bodies and field values', () => {
    const value = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => {
        const digest = createHash('sha256').update(bytes).digest('base64');
        return `sha-256=:${digest}:`;
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), value, fc.boolean(), (bytes, field, same) => {
        const used = same
          ? `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`
          : field;
        expect(checkContentDigest(used, bytes)).toBe(referenceDigestCheck(used, bytes));
      }),
      { numRuns: 2000 },
    );
  });
});

/** A dictionary as text that tells every type apart (-0 from 0, bytes from strings). */
function describeValue(value: unknown): string {
  if (value instanceof Map) {
    return `{${[...value].map(([k, v]) => `${String(k)}:${describeValue(v)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map(describeValue).join(',')}]`;
  if (value instanceof ArrayBuffer) return `bytes(${Buffer.from(value).toString('hex')})`;
  if (value instanceof Token) return `token(${value.toString()})`;
  if (typeof value === 'number') return Object.is(value, -0) ? 'num(-0)' : `num(${value})`;
  return `${typeof value}(${String(value)})`;
}

function parsed(parse: (value: string) => unknown, value: string): string {
  try {
    return `ok ${describeValue(parse(value))}`;
  } catch (error) {
    return `throws ${(error as Error).constructor.name}`;
  }
}

describe('parseDictionary: the fast path gives what structured-headers gives', () => {
  const label = fc.constantFrom('sig1', 'sig-b', '*x', 'Sig', '1a', 'a.b_c*');
  const component = fc.oneof(
    fc.constantFrom('"@method"', '"@target-uri"', '"authorization"', '"dpop"', '"content-digest"'),
    fc.constantFrom('"a\\"b"', '"x";req', '"é"', '""', 'tok', '"@query-param";name="a"'),
  );
  const param = fc.oneof(
    fc.integer({ min: 0, max: 2_000_000_000 }).map((n) => `;created=${n}`),
    fc.constantFrom(
      ';keyid="client-1-sig"',
      ';tag="fapi-2-request"',
      ';alg="ecdsa-p256-sha256"',
      ';nonce="n-1"',
      ';expires=1618884775',
      ';created=-5',
      ';created=007',
      ';created=1234567890123456',
      ';created=1.5',
      ';flag',
      ';x=?0',
      ';x=tok',
      ';x=:AQ==:',
      ';Bad=1',
      ';k="a;b"',
      ';k=""',
    ),
  );
  const signatureInput = fc
    .tuple(label, fc.array(component, { maxLength: 5 }), fc.array(param, { maxLength: 6 }))
    .map(([l, items, params]) => `${l}=(${items.join(' ')})${params.join('')}`);
  const base64 = fc
    .uint8Array({ maxLength: 70 })
    .map((bytes) => Buffer.from(bytes).toString('base64'));
  const signature = fc.tuple(label, base64).map(([l, b]) => `${l}=:${b}:`);
  const mutated = (value: fc.Arbitrary<string>) =>
    fc
      .tuple(
        value,
        fc.nat(),
        fc.constantFrom('delete', 'insert', 'replace', 'none'),
        fc.oneof(
          char,
          fc.constantFrom('(', ')', ':', '=', ',', ' ', '\t', ';', '"', 'A', '/', '9'),
        ),
      )
      .map(([text, index, kind, c]) => {
        const at = index % (text.length + 1);
        if (kind === 'none') return text;
        if (kind === 'insert') return text.slice(0, at) + c + text.slice(at);
        return text.slice(0, at) + (kind === 'replace' ? c : '') + text.slice(at + 1);
      });

  test('on generated and mutated Signature-Input values', () => {
    fc.assert(
      fc.property(mutated(signatureInput), (value) => {
        expect(parsed(fastDictionary, value)).toBe(parsed(referenceDictionary, value));
      }),
      { numRuns: 4000 },
    );
  });

  test('a member read by innerListMember: the list parseDictionary gives, its text and items serialized as structured-headers serializes them', () => {
    fc.assert(
      fc.property(mutated(signatureInput), (value) => {
        const member = innerListMember(value);
        if (member === undefined) return;
        const reference = referenceDictionary(value);
        expect(describeValue(new Map([[member.label, member.list]]))).toBe(
          describeValue(reference),
        );
        expect(member.text).toBe(referenceInnerList(member.list));
        expect(member.items).toEqual(member.list[0].map((item) => referenceItem(item)));
      }),
      { numRuns: 4000 },
    );
  });

  test('the components of a member read by innerListMember share parameters nobody can change', () => {
    const member = innerListMember('sig1=("@method" "dpop");created=1');
    const [[, first], [, second]] = member?.list[0] as [Item, Item];
    expect(first.size).toBe(0);
    expect(() => first.set('req', true)).toThrow(TypeError);
    expect(() => second.delete('req')).toThrow(TypeError);
    expect(() => second.clear()).toThrow(TypeError);
    expect(second.size).toBe(0);
  });

  test('selectTaggedSignature reads the fields as signers send them with the outcome of the general parse', () => {
    /** What a selection gives, or the rule it throws. */
    const outcome = (
      select: (headers: Map<string, string[]>) => TaggedSignature,
      headers: Map<string, string[]>,
    ) => {
      try {
        const { label, input, bytes, signatureParams, components } = select(headers);
        const text = `${label} ${describeValue(input)} ${Buffer.from(bytes).toString('hex')}`;
        return `ok ${text} ${signatureParams} ${components.join(' ')}`;
      } catch (error) {
        if (!(error instanceof FieldError)) throw error;
        return `throws ${error.rule}`;
      }
    };
    const tagged = signatureInput.map((value) => `${value};tag="fapi-2-request"`);
    const lines = (value: fc.Arbitrary<string>) =>
      fc.oneof(
        { weight: 4, arbitrary: value.map((line) => [line]) },
        { weight: 1, arbitrary: fc.array(value, { maxLength: 2 }) },
      );
    const headers = fc
      .tuple(
        lines(fc.oneof(tagged, mutated(tagged))),
        lines(fc.oneof(signature, mutated(signature))),
      )
      .map(([inputs, signatures]) => {
        const bag = new Map<string, string[]>();
        if (inputs.length > 0) bag.set('signature-input', inputs);
        if (signatures.length > 0) bag.set('signature', signatures);
        return bag;
      });
    fc.assert(
      fc.property(headers, (bag) => {
        const tag = 'fapi-2-request';
        expect(outcome((h) => selectTaggedSignature(h, tag), bag)).toBe(
          outcome((h) => dictionarySignature(h, tag), bag),
        );
      }),
      { numRuns: 4000 },
    );
    const canonical = new Map([
      ['signature-input', ['sig1=("@method" "authorization");created=1;tag="fapi-2-request"']],
      ['signature', [`sig1=:${Buffer.alloc(64, 1).toString('base64')}:`]],
    ]);
    expect(outcome((h) => selectTaggedSignature(h, 'fapi-2-request'), canonical)).toMatch(
      /^ok sig1 /,
    );
  });

  test('on generated and mutated Signature values, and two members', () => {
    const value = fc.oneof(
      mutated(signature),
      fc.tuple(signature, signature).map(([a, b]) => `${a}, ${b}`),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(value, (text) => {
        expect(parsed(fastDictionary, text)).toBe(parsed(referenceDictionary, text));
      }),
      { numRuns: 4000 },
    );
  });

  test('the values a FAPI signature carries take the fast path and parse as expected', () => {
    const input =
      'sig1=("@method" "@target-uri" "authorization" "dpop" "content-digest");created=1618884473;keyid="client-1-sig";nonce="n-1";tag="fapi-2-request"';
    expect(parsed(fastDictionary, input)).toBe(parsed(referenceDictionary, input));
    const sig = `sig1=:${Buffer.alloc(64, 7).toString('base64')}:`;
    expect(parsed(fastDictionary, sig)).toBe(parsed(referenceDictionary, sig));
  });
});
