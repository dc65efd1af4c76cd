import { Ajv, type ErrorObject } from 'ajv';
import formats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { isHttpUrl } from '../lib/http-url.js';

function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes,
    // A typo must not be silently dropped (SPEC §1.4): unknown fields fail instead of vanishing.
    removeAdditional: false,
    useDefaults: false,
    allErrors: false,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
  });
  // ajv-formats is CommonJS whose module.exports is the plugin function itself.
  (formats as unknown as typeof formats.default)(ajv, ['email', 'uri', 'date-time', 'date']);
  // An absolute http(s) URL as browsers parse it (`lib/http-url.ts`): what a redirect can go to.
  ajv.addFormat('http-url', { type: 'string', validate: isHttpUrl });
  ajv.addKeyword({ keyword: 'x-error', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-format', schemaType: 'string' });
  return ajv;
}

// JSON bodies are typed exactly ("5" is not a number); query strings and path parameters are
// text on the wire, so they are coerced.
const strictAjv = makeAjv(false);
const coercingAjv = makeAjv(true);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strictAjv : coercingAjv;
  return ajv.compile(schema as object);
};

const PART_NAMES: Record<string, string> = {
  body: 'request body',
  querystring: 'query string',
  params: 'path',
  headers: 'headers',
};

/** Turns the first validation error into a sentence that names the field (SPEC §1.2). */
export function describeValidationError(error: ErrorObject, context: string | undefined): string {
  const path = fieldPath(error.instancePath);
  const field = path === '' ? (PART_NAMES[context ?? 'body'] ?? 'request body') : path;
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  const join = (name: string) => (path === '' ? name : `${path}.${name}`);
  switch (error.keyword) {
    case 'required':
      return `${join(String(params.missingProperty))} is required`;
    case 'additionalProperties':
      return `${join(String(params.additionalProperty))} is not a recognised field`;
    case 'maxLength':
      return `${field} must be at most ${params.limit} characters`;
    case 'minLength':
      return params.limit === 1
        ? `${field} must not be empty`
        : `${field} must be at least ${params.limit} characters`;
    case 'maximum':
      return `${field} must be at most ${params.limit}`;
    case 'minimum':
      return `${field} must be at least ${params.limit}`;
    case 'maxItems':
      return `${field} must have at most ${params.limit} items`;
    case 'type':
      return path === '' && context !== 'querystring'
        ? `${field} must be a JSON object`
        : `${field} must be ${article(String(params.type))}${nullable(error) ? ' or null' : ''}`;
    case 'enum':
      return `${field} must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'pattern':
    case 'format':
      return `${field} ${typeof parent['x-error'] === 'string' ? parent['x-error'] : 'is not valid'}`;
    default:
      return `${field} is not valid`;
  }
}

function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(
      (acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc === '' ? part : `${acc}.${part}`),
      '',
    );
}

function article(type: string): string {
  switch (type) {
    case 'integer':
      return 'an integer';
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    default:
      return `a ${type}`;
  }
}

/** A `type` error inside `anyOf: [T, null]` comes from a nullable field. */
function nullable(error: ErrorObject): boolean {
  return /\/anyOf\/0\/type$/.test(error.schemaPath);
}
