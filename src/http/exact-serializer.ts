/**
 * Issue 9 item 4 — response serializers compiled for the exact shape of a response schema.
 *
 * fast-json-stringify tests each `anyOf` branch (every nullable field is `anyOf [X, null]`) with
 * a schema validator at run time; a session has 15 such fields, a list page 30 sessions. For
 * schemas built from plain parts — objects with fixed properties, arrays, strings (enums and
 * consts included), integers, numbers, booleans, null, and `anyOf` over those — this compiles one
 * function that writes the declared properties with a `typeof` test per value, byte for byte what
 * fast-json-stringify writes (required properties first, then optional ones). The guarantees
 * hold: only declared properties are written, and a value that does not fit its schema (a missing
 * required property, a wrong type, a string outside its enum) is not written as is: the whole
 * response goes to fast-json-stringify instead, which coerces or refuses it exactly as before.
 * Schemas with anything else (`$ref`, open objects, records, `oneOf`, …) use fast-json-stringify.
 */

type Schema = Record<string, unknown>;

/** The serializer for `schema`, or undefined when its shape is not one of the plain ones above. */
export function compileExactSerializer(
  schema: unknown,
): ((data: unknown, fallback: (data: unknown) => string) => string) | undefined {
  const compiler = new Compiler();
  let body: string;
  try {
    body = compiler.value(schema, 'data');
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  const run = new Function(
    'constants',
    'MISMATCH',
    `"use strict";
     const { ${compiler.constantNames().join(', ')} } = constants;
     ${compiler.declarations()}
     return function serialize(data) {
       return ${body};
     };`,
  )(compiler.constants, MISMATCH) as (data: unknown) => string;
  return (data, fallback) => {
    try {
      return run(data);
    } catch (error) {
      if (error === MISMATCH) return fallback(data);
      throw error;
    }
  };
}

class Unsupported extends Error {}
/** Thrown by compiled code for a value that does not fit; never escapes `compileExactSerializer`. */
const MISMATCH = new Error('value does not fit the response schema');

/** Keywords that only document or constrain input; they do not change what is written. */
const IGNORED = new Set([
  'description',
  'title',
  'examples',
  'example',
  'default',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'pattern',
  'deprecated',
  '$id',
  '$schema',
  'x-error',
  'x-missing',
  'x-invalid',
  'x-format',
]);

function checkKeywords(schema: Schema, allowed: readonly string[]): void {
  for (const key of Object.keys(schema)) {
    if (!allowed.includes(key) && !IGNORED.has(key)) throw new Unsupported(key);
  }
}

class Compiler {
  readonly constants: Record<string, unknown> = {
    mismatch: () => {
      throw MISMATCH;
    },
  };
  private readonly functions: string[] = [];
  private counter = 0;

  constantNames(): string[] {
    return Object.keys(this.constants);
  }

  declarations(): string {
    return this.functions.join('\n');
  }

  /** An expression writing the JSON of `v` (an identifier) for `schema`, or throwing MISMATCH. */
  value(schema: unknown, v: string): string {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
      throw new Unsupported('schema');
    const s = schema as Schema;
    if (s.anyOf !== undefined) return this.anyOf(s, v);
    if (s.enum !== undefined || s.const !== undefined) return this.strings(s, v);
    switch (s.type) {
      case 'string':
        checkKeywords(s, ['type']);
        return `(typeof ${v} === 'string' ? JSON.stringify(${v}) : mismatch())`;
      case 'integer':
        checkKeywords(s, ['type']);
        return `(Number.isInteger(${v}) ? '' + ${v} : mismatch())`;
      case 'number':
        checkKeywords(s, ['type']);
        return `(Number.isFinite(${v}) ? '' + ${v} : mismatch())`;
      case 'boolean':
        checkKeywords(s, ['type']);
        return `(${v} === true ? 'true' : ${v} === false ? 'false' : mismatch())`;
      case 'null':
        checkKeywords(s, ['type']);
        return `(${v} === null ? 'null' : mismatch())`;
      case 'array':
        return this.array(s, v);
      case 'object':
        return this.object(s, v);
      default:
        throw new Unsupported(String(s.type));
    }
  }

  /** `enum` or `const` of strings: written only when the value is one of them. */
  private strings(s: Schema, v: string): string {
    checkKeywords(s, ['type', 'enum', 'const']);
    const values = s.enum ?? [s.const];
    if (!Array.isArray(values) || !values.every((x) => typeof x === 'string')) throw new Unsupported('enum');
    if (s.type !== undefined && s.type !== 'string') throw new Unsupported('enum type');
    const set = this.constant(new Set(values));
    return `(${set}.has(${v}) ? JSON.stringify(${v}) : mismatch())`;
  }

  /** Branches tried in order, each by a test that cannot pass for the others' values. */
  private anyOf(s: Schema, v: string): string {
    checkKeywords(s, ['anyOf']);
    const branches = s.anyOf;
    if (!Array.isArray(branches) || branches.length === 0) throw new Unsupported('anyOf');
    const seen = new Set<string>();
    let expression = 'mismatch()';
    for (const branch of [...branches].reverse()) {
      const { test, kind } = this.branchTest(branch, v);
      if (seen.has(kind)) throw new Unsupported('ambiguous anyOf');
      seen.add(kind);
      expression = `(${test} ? ${this.value(branch, v)} : ${expression})`;
    }
    return expression;
  }

  private branchTest(branch: unknown, v: string): { test: string; kind: string } {
    const s = branch as Schema;
    if (s.enum !== undefined || s.const !== undefined)
      return { test: `typeof ${v} === 'string'`, kind: 'string' };
    switch (s.type) {
      case 'null':
        return { test: `${v} === null`, kind: 'null' };
      case 'string':
        return { test: `typeof ${v} === 'string'`, kind: 'string' };
      case 'integer':
      case 'number':
        return { test: `typeof ${v} === 'number'`, kind: 'number' };
      case 'boolean':
        return { test: `typeof ${v} === 'boolean'`, kind: 'boolean' };
      case 'array':
        return { test: `Array.isArray(${v})`, kind: 'array' };
      case 'object':
        return {
          test: `(typeof ${v} === 'object' && ${v} !== null && !Array.isArray(${v}))`,
          kind: 'object',
        };
      default:
        throw new Unsupported('anyOf branch');
    }
  }

  private array(s: Schema, v: string): string {
    checkKeywords(s, ['type', 'items', 'minItems', 'maxItems', 'uniqueItems']);
    const name = this.fn();
    const item = `${name}_item`;
    this.functions.push(`function ${name}(array) {
      let out = '[';
      for (let i = 0; i < array.length; i++) {
        const ${item} = array[i];
        if (i > 0) out += ',';
        out += ${this.value(s.items, item)};
      }
      return out + ']';
    }`);
    return `(Array.isArray(${v}) ? ${name}(${v}) : mismatch())`;
  }

  private object(s: Schema, v: string): string {
    checkKeywords(s, ['type', 'properties', 'required', 'additionalProperties']);
    if (s.additionalProperties !== undefined && s.additionalProperties !== false)
      throw new Unsupported('additionalProperties');
    const properties = (s.properties ?? {}) as Record<string, unknown>;
    const required = new Set((s.required ?? []) as string[]);
    const name = this.fn();
    const lines: string[] = [];
    // Whether `out` holds a property yet: known while only required properties came before.
    let written: boolean | undefined = false;
    // Required properties first, then the optional ones, each in schema order (as fast-json-stringify).
    const keys = Object.keys(properties);
    const ordered = [...keys.filter((k) => required.has(k)), ...keys.filter((k) => !required.has(k))];
    for (const key of ordered) {
      const property = properties[key];
      const local = `${name}_${lines.length}`;
      const label = JSON.stringify(`${JSON.stringify(key)}:`);
      const write = this.value(property, local);
      const comma = written === undefined ? "(out.length > 1 ? ',' : '') + " : written ? "',' + " : '';
      lines.push(`const ${local} = object[${JSON.stringify(key)}];`);
      if (required.has(key)) {
        lines.push(`if (${local} === undefined) mismatch();`);
        lines.push(`out += ${comma}${label} + ${write};`);
        written = true;
      } else {
        lines.push(`if (${local} !== undefined) { out += ${comma}${label} + ${write}; }`);
        if (written === false) written = undefined;
      }
    }
    this.functions.push(`function ${name}(object) {
      let out = '{';
      ${lines.join('\n')}
      return out + '}';
    }`);
    return `((typeof ${v} === 'object' && ${v} !== null && !Array.isArray(${v})) ? ${name}(${v}) : mismatch())`;
  }

  private fn(): string {
    this.counter += 1;
    return `f${this.counter}`;
  }

  private constant(value: unknown): string {
    this.counter += 1;
    const name = `c${this.counter}`;
    this.constants[name] = value;
    return name;
  }
}
