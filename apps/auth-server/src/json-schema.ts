/**
 * A small JSON Schema validator for the subset the authorization details schemas use: `type`
 * (object, array, string), `const`, `enum`, `properties`, `required`, `additionalProperties:
 * false`, `items`, `minItems`, `maxItems`, `uniqueItems`, `minLength`, `maxLength`, `pattern`.
 * Any other keyword is a TypeError when the schema is compiled, so a schema never silently
 * checks less than it says.
 */

/** The JSON Schema keywords {@link validateJson} understands. */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string';
  const?: string;
  enum?: readonly string[];
  properties?: Readonly<Record<string, JsonSchema>>;
  required?: readonly string[];
  additionalProperties?: false;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  description?: string;
}

const KEYWORDS = new Set<string>([
  'type',
  'const',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minLength',
  'maxLength',
  'pattern',
  'description',
]);

/**
 * Throws a TypeError naming the first keyword of `schema` (or of a nested schema) that
 * {@link validateJson} does not implement.
 *
 * @example
 * assertSupportedSchema({ type: 'string', pattern: '^[A-Z]{3}$' });
 */
export function assertSupportedSchema(schema: JsonSchema, path = '#'): void {
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key)) throw new TypeError(`${path}: unsupported JSON Schema keyword ${key}`);
  }
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
    throw new TypeError(`${path}: additionalProperties must be false when present`);
  }
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    assertSupportedSchema(sub, `${path}/properties/${name}`);
  }
  if (schema.items) assertSupportedSchema(schema.items, `${path}/items`);
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

/**
 * Validates `value` against `schema`; returns the problems found (empty when valid), each as
 * a JSON pointer into the value and what is wrong there.
 *
 * @example
 * validateJson({ type: 'string', enum: ['a'] }, 'b'); // ['#: must be one of a']
 */
export function validateJson(schema: JsonSchema, value: unknown, path = '#'): string[] {
  const problems: string[] = [];
  if (schema.type && typeOf(value) !== schema.type) return [`${path}: must be a ${schema.type}`];
  if (schema.const !== undefined && value !== schema.const) {
    return [`${path}: must be ${schema.const}`];
  }
  if (schema.enum && !schema.enum.includes(value as string)) {
    return [`${path}: must be one of ${schema.enum.join(', ')}`];
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && [...value].length < schema.minLength) {
      problems.push(`${path}: must be at least ${schema.minLength} characters`);
    }
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) {
      problems.push(`${path}: must be at most ${schema.maxLength} characters`);
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      problems.push(`${path}: must match ${schema.pattern}`);
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      problems.push(`${path}: must have at least ${schema.minItems} items`);
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      problems.push(`${path}: must have at most ${schema.maxItems} items`);
    }
    if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
      problems.push(`${path}: items must be unique`);
    }
    if (schema.items) {
      const items = schema.items;
      value.forEach((item, i) => problems.push(...validateJson(items, item, `${path}/${i}`)));
    }
  }
  if (typeOf(value) === 'object') {
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? []) {
      if (!Object.hasOwn(record, name)) problems.push(`${path}/${name}: is required`);
    }
    for (const [name, item] of Object.entries(record)) {
      const sub = schema.properties?.[name];
      if (sub) problems.push(...validateJson(sub, item, `${path}/${name}`));
      else if (schema.additionalProperties === false) {
        problems.push(`${path}/${name}: is not allowed`);
      }
    }
  }
  return problems;
}
