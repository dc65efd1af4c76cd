import type { FastifyInstance } from 'fastify';
import { ApiError } from '../lib/errors.js';

interface Visit {
  value: unknown;
  key: string;
  parent: Visit | undefined;
}

function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}

/**
 * The field (dotted path) whose string value or key holds a NUL character, if any. Iterative, and
 * paths are built only for a hit: a body may nest thousands of levels deep within the size limit.
 */
function fieldWithNul(root: unknown): string | undefined {
  const pending: Visit[] = [{ value: root, key: '', parent: undefined }];
  while (pending.length > 0) {
    const visit = pending.pop()!;
    const { value } = visit;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return pathOf(visit) || 'request body';
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return `a field name in ${pathOf(visit) || 'request body'}`;
      pending.push({ value: item, key, parent: visit });
    }
  }
  return undefined;
}

/**
 * SPEC §1.2 — a NUL character is not text: PostgreSQL cannot store it, so it would surface as a
 * 500 there and be stored on SQLite. Rejected up front on both engines as a `ValidationError`
 * naming the field. Path and query are checked once the key is authenticated (401 first), the
 * body once parsed.
 */
export function rejectNulCharacters(api: FastifyInstance): void {
  api.addHook('onRequest', async (request) => {
    const field = fieldWithNul(request.params) ?? fieldWithNul(request.query);
    if (field !== undefined)
      throw new ApiError('ValidationError', `${field} must not contain NUL characters`);
  });
  api.addHook('preValidation', async (request) => {
    const field = fieldWithNul(request.body);
    if (field !== undefined)
      throw new ApiError('ValidationError', `${field} must not contain NUL characters`);
  });
}
