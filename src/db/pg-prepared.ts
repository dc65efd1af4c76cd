import { createHash } from 'node:crypto';
import type pgModule from 'pg';

/** Distinct SQL texts given a name; the app issues a few dozen, so this only bounds odd cases. */
const MAX_NAMED = 1000;

/** Single data statements only: PostgreSQL prepares one statement per name. */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b[^;]*$/i;

/**
 * Issue 9 item 4 — PostgreSQL prepared statements. Kysely sends each query as unnamed text, which
 * the server parses and plans on every execution. A pooled client here names each preparable
 * query by a hash of its text, so pg prepares it once per connection (Parse) and then only binds
 * and executes it. The same text always gets the same name, so a name never means two texts.
 * Queries are built from code, not input, so the set of texts is small; past MAX_NAMED distinct
 * texts the rest run unnamed as before.
 */
export function usePreparedStatements(pool: pgModule.Pool): void {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    const known = names.get(text);
    if (known !== undefined || names.size >= MAX_NAMED || !PREPARABLE.test(text)) return known;
    const name = `q_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
    names.set(text, name);
    return name;
  };
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((text: unknown, values?: unknown, callback?: unknown) => {
      if (typeof text === 'string' && Array.isArray(values) && callback === undefined) {
        const name = nameOf(text);
        if (name !== undefined) return query({ name, text, values });
      }
      return callback === undefined
        ? values === undefined
          ? query(text)
          : query(text, values)
        : query(text, values, callback);
    }) as typeof client.query;
  });
}
