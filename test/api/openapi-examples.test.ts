import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import { createTestApp, json } from '../support/app.js';

/**
 * Issue 14 item 5 — every operation in the committed OpenAPI document has examples: its path
 * parameters, its request body, and every response; and each example validates against its own
 * schema (with the document's $refs). A redirect URL example keeps the
 * `{{qualification_session_id}}` placeholder: it is checked as a URI once the placeholder is
 * filled in, as it is before the shopper is sent there.
 */
type Json = Record<string, unknown>;
interface Media {
  schema?: Json;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  parameters?: Array<{ in: string; name: string; schema: Json; example?: unknown; examples?: unknown }>;
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}

const doc = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
};

const ajv = new Ajv({ strict: false, allErrors: true });
(formats as unknown as typeof formats.default)(ajv, ['email', 'date-time', 'date']);
const strictUri = new Ajv({ strict: false });
(formats as unknown as typeof formats.default)(strictUri, ['uri']);
const isUri = strictUri.compile({ type: 'string', format: 'uri' });
ajv.addFormat('uri', (value: string) =>
  isUri(value.replaceAll('{{qualification_session_id}}', 'qs_30fe749e-a7ee-4e5f-9d0c-ecadc0232f28')),
);
ajv.addSchema(doc as object, 'openapi');

const pointer = (...parts: string[]) =>
  `openapi#/${parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;

function examplesOf(media: Media): unknown[] {
  if (media.example !== undefined) return [media.example];
  return Object.values(media.examples ?? {}).map((e) => e.value);
}

function check(where: string, schemaPointer: string, examples: unknown[]): void {
  assert.ok(examples.length > 0, `${where}: no example`);
  const validate = ajv.compile({ $ref: schemaPointer });
  for (const example of examples) {
    assert.ok(
      validate(example),
      `${where}: example does not validate: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(example)}`,
    );
  }
}

describe('OpenAPI examples (issue 14 item 5)', () => {
  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
  );

  it('covers every operation', () => {
    assert.ok(operations.length >= 14, `only ${operations.length} operations`);
  });

  for (const { path, method, operation } of operations) {
    it(`${method.toUpperCase()} ${path}: parameters, body and responses have valid examples`, () => {
      for (const [index, parameter] of (operation.parameters ?? []).entries()) {
        if (parameter.in !== 'path') continue;
        const examples = parameter.example !== undefined ? [parameter.example] : [];
        check(
          `${method} ${path} parameter ${parameter.name}`,
          pointer('paths', path, method, 'parameters', String(index), 'schema'),
          examples,
        );
      }
      const body = operation.requestBody?.content['application/json'];
      if (operation.requestBody) {
        assert.ok(body, `${method} ${path}: a request body that is not JSON`);
        check(
          `${method} ${path} request body`,
          pointer('paths', path, method, 'requestBody', 'content', 'application/json', 'schema'),
          examplesOf(body),
        );
      } else {
        assert.ok(method === 'get' || operation.parameters?.length, `${method} ${path}: no request to show`);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        const media = response.content?.['application/json'];
        assert.ok(media, `${method} ${path} ${status}: no JSON response`);
        check(
          `${method} ${path} ${status}`,
          pointer('paths', path, method, 'responses', status, 'content', 'application/json', 'schema'),
          examplesOf(media),
        );
      }
    });
  }

  it('documents URL fields as URIs', () => {
    type Props = Record<string, { anyOf?: Json[]; format?: string }>;
    const propsOf = (operation: Operation | undefined) =>
      (operation?.requestBody?.content['application/json']?.schema?.properties ?? {}) as Props;
    const create = propsOf(doc.paths['/api/v1/qualification_session/create']?.post);
    for (const field of ['success_url', 'failure_url'])
      assert.equal(create[field]?.anyOf?.[0]?.format, 'uri', JSON.stringify(create[field]));
    const endpoint = propsOf(doc.paths['/api/v1/webhook_endpoints']?.post);
    assert.equal(endpoint.url?.format, 'uri', JSON.stringify(endpoint.url));
    assert.doesNotMatch(JSON.stringify(doc), /x-format/);
  });

  it('the body example is accepted by the API as it is ("Try it out")', async () => {
    const t = await createTestApp();
    try {
      const channel = await t.channel();
      const body =
        doc.paths['/api/v1/qualification_session/create']?.post?.requestBody?.content['application/json'];
      const res = await t.api('POST', '/api/v1/qualification_session/create', {
        key: channel,
        body: examplesOf(body!)[0],
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(
        json(res).success_url,
        'https://shop.example/checkout/thanks?session={{qualification_session_id}}',
        res.body,
      );
      // The placeholder is stored as sent and answered as stored by retrieve and list (their
      // serializer checks anyOf branches: a strict `format: uri` there would be a 500).
      const id = String(json(res).qualification_session_id);
      const retrieved = await t.api('GET', `/api/v1/qualification_session/${id}`, { key: channel });
      assert.equal(retrieved.statusCode, 200, retrieved.body);
      assert.match(retrieved.body, /\{\{qualification_session_id\}\}/, retrieved.body);
      const listed = await t.api('GET', '/api/v1/qualification_sessions', { key: channel });
      assert.equal(listed.statusCode, 200, listed.body);
      assert.match(listed.body, /\{\{qualification_session_id\}\}/, listed.body);
    } finally {
      await t.close();
    }
  });
});
