import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import type { Static, TObject, TSchema } from 'typebox';

/**
 * Forms like API routes (issue 9 item 2): a form declares one TypeBox object schema for its body,
 * and `defineForm(...).parse(body)` is the one place a form body is read and validated. What was
 * typed comes back with the errors, so a page re-renders with nothing lost.
 *
 * Field schemas may carry, besides the usual keywords:
 * - `x-missing`: the plain-words message when the field was not given (absent, or empty once trimmed);
 * - `x-invalid`: the message when it was given but is not valid (also used when `x-missing` is absent);
 * - `x-as-typed`: keep the value untrimmed (passwords, free text);
 * - `x-in-order`: an array keeps every value in the order posted, repeats included (one per row);
 * - `x-upper-case`: upper-case the value before it is checked (codes such as a US state).
 * A field declared as an array (a checkbox list) takes every value sent under its name, once each;
 * any other field takes the first. Fields the schema does not declare are ignored. Values are
 * text on the wire and coerced to the declared type (`Type.Integer` gives a number); `default`
 * fills a field that was not given.
 */

/** A form body as `form-body.ts` parses it: a repeated field arrives as an array. */
export type FormBody = Record<string, string | string[] | undefined>;

type Text<V> = NonNullable<V> extends readonly unknown[] ? string[] : string;

/** What was typed, per declared field, as text (trimmed or upper-cased as the field says). */
export type FormInput<T> = { [K in keyof T]?: Text<T[K]> };

/** One plain-words message per field that is not valid. */
export type FieldErrors<T> = Partial<Record<keyof T & string, string>>;

export type FormResult<T> =
  | { ok: true; values: T; input: FormInput<T> }
  | { ok: false; errors: FieldErrors<T>; input: FormInput<T> };

export interface FormOptions<T, C> {
  /**
   * Rules beyond one field's schema: several fields together, or something outside the form (the
   * time, the session being decided). Sees only the fields that passed their schema; an error it
   * returns for a field that already has one is dropped.
   */
  check?(values: Partial<T>, context: C): FieldErrors<T>;
}

export interface Form<T, C> {
  readonly schema: TSchema;
  parse(body: unknown, ...context: C extends undefined ? [] : [context: C]): FormResult<T>;
}

const ajv = new Ajv({
  coerceTypes: true,
  useDefaults: true,
  allErrors: true,
  strict: true,
  allowUnionTypes: true,
});
// ajv-formats is CommonJS whose module.exports is the plugin function itself.
(formats as unknown as typeof formats.default)(ajv, ['email', 'date']);
for (const keyword of ['x-missing', 'x-invalid']) ajv.addKeyword({ keyword, schemaType: 'string' });
for (const keyword of ['x-as-typed', 'x-upper-case', 'x-in-order'])
  ajv.addKeyword({ keyword, schemaType: 'boolean' });

const FALLBACK_MESSAGE = 'Check this answer.';

export function defineForm<S extends TObject, C = undefined>(
  schema: S,
  options: FormOptions<Static<S>, C> = {},
): Form<Static<S>, C> {
  type T = Static<S>;
  // Compiled on first use: defining a form costs nothing at start-up.
  let compiled: ValidateFunction | undefined;
  const fields = Object.entries(schema.properties as Record<string, FieldSchema>);

  return {
    schema,
    parse(body, ...[context]) {
      const raw = (body ?? {}) as FormBody;
      const input: Record<string, string | string[]> = {};
      const data: Record<string, string | string[]> = {};
      for (const [name, field] of fields) {
        const value = read(field, raw[name]);
        if (value === undefined) continue;
        input[name] = value;
        if (value !== '' && !(Array.isArray(value) && value.length === 0))
          data[name] = Array.isArray(value) ? [...value] : value;
      }

      const given = new Set(Object.keys(data));
      const errors: Record<string, string> = {};
      compiled ??= ajv.compile(schema);
      const validate = compiled;
      if (!validate(data)) {
        const failed = new Set((validate.errors ?? []).map(fieldOf));
        for (const [name, field] of fields) {
          if (!failed.has(name)) continue;
          errors[name] =
            (given.has(name) ? undefined : field['x-missing']) ?? field['x-invalid'] ?? FALLBACK_MESSAGE;
          delete data[name];
        }
      }
      const checked = options.check?.(data as Partial<T>, context as C) ?? {};
      for (const [name, message] of Object.entries(checked) as Array<[string, string | undefined]>)
        if (message !== undefined) errors[name] ??= message;

      const typed = input as FormInput<T>;
      return Object.keys(errors).length === 0
        ? { ok: true, values: data as T, input: typed }
        : { ok: false, errors: ordered(fields, errors) as FieldErrors<T>, input: typed };
    },
  };
}

interface FieldSchema {
  type?: string;
  'x-missing'?: string;
  'x-invalid'?: string;
  'x-as-typed'?: boolean;
  'x-upper-case'?: boolean;
  'x-in-order'?: boolean;
}

function read(field: FieldSchema, value: string | string[] | undefined): string | string[] | undefined {
  if (value === undefined) return undefined;
  const values = (Array.isArray(value) ? value : [value]).map((v) => normalise(field, v));
  if (field.type !== 'array') return values[0];
  return field['x-in-order'] ? values : [...new Set(values)];
}

function normalise(field: FieldSchema, text: string): string {
  const kept = field['x-as-typed'] ? String(text) : String(text).trim();
  return field['x-upper-case'] ? kept.toUpperCase() : kept;
}

/** The top-level field an error is about: `/condition/1` → `condition`; `required` names its own. */
function fieldOf(error: ErrorObject): string {
  if (error.keyword === 'required')
    return String((error.params as { missingProperty: string }).missingProperty);
  return (error.instancePath.split('/')[1] ?? '').replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Errors in the order the form declares its fields: the order the page shows them. */
function ordered(
  fields: Array<[string, FieldSchema]>,
  errors: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name] of fields) if (errors[name] !== undefined) out[name] = errors[name];
  return out;
}
