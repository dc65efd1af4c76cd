import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { migrate, openDatabase } from '../../src/db/database.js';
import { createTestDatabase, TEST_ENGINE } from '../support/database.js';

// SPEC §4.3 — one set of migrations, two engines, the same schema. Each engine's catalogue is read
// back and reduced to what the application relies on: tables, columns (type, nullability), primary
// keys, unique constraints, indexes (columns, uniqueness, partial or not) and foreign keys.

interface Schema {
  [table: string]: {
    columns: string[];
    primaryKey: string[];
    indexes: string[];
    foreignKeys: string[];
  };
}

const INTERNAL = new Set(['kysely_migration', 'kysely_migration_lock']);

/** Declared types as the migrations write them; both engines' spellings map to one name. */
function normalType(type: string): string {
  const t = type.toLowerCase();
  if (t === 'character varying' || t.startsWith('varchar')) return 'varchar';
  if (t === 'double precision' || t === 'real' || t === 'float8') return 'double';
  if (t === 'int4' || t === 'integer') return 'integer';
  if (t === 'int8' || t === 'bigint') return 'bigint';
  return t;
}

function sqliteSchema(file: string): Schema {
  const db = new SQLite(file, { readonly: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
      )
      .all() as Array<{ name: string }>;
    const schema: Schema = {};
    for (const { name } of tables) {
      if (INTERNAL.has(name)) continue;
      const columns = db.prepare(`PRAGMA table_info("${name}")`).all() as Array<{
        name: string;
        type: string;
        notnull: number;
        pk: number;
      }>;
      const primaryKey = columns
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
      const indexes = (
        db.prepare(`PRAGMA index_list("${name}")`).all() as Array<{
          name: string;
          unique: number;
          origin: string;
          partial: number;
        }>
      )
        .filter((index) => index.origin !== 'pk')
        .map((index) => {
          const cols = (
            db.prepare(`PRAGMA index_info("${index.name}")`).all() as Array<{ name: string }>
          ).map((c) => c.name);
          // Constraint-backed indexes are named by the engine; only CREATE INDEX names are ours.
          const label = index.origin === 'c' ? index.name : 'constraint';
          return `${label} ${index.unique ? 'unique ' : ''}(${cols.join(',')})${index.partial ? ' partial' : ''}`;
        });
      const fks = db.prepare(`PRAGMA foreign_key_list("${name}")`).all() as Array<{
        id: number;
        seq: number;
        table: string;
        from: string;
        to: string;
      }>;
      const foreignKeys = [...new Set(fks.map((fk) => fk.id))].map((id) => {
        const parts = fks.filter((fk) => fk.id === id).sort((a, b) => a.seq - b.seq);
        return `(${parts.map((p) => p.from).join(',')}) -> ${parts[0]?.table}(${parts.map((p) => p.to).join(',')})`;
      });
      schema[name] = {
        columns: columns
          .map((c) => `${c.name} ${normalType(c.type)}${c.notnull || c.pk ? ' not null' : ''}`)
          .sort(),
        primaryKey,
        indexes: indexes.sort(),
        foreignKeys: foreignKeys.sort(),
      };
    }
    return schema;
  } finally {
    db.close();
  }
}

async function postgresSchema(url: string): Promise<Schema> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const query = async <T>(text: string) => (await client.query(text)).rows as T[];
    const columns = await query<{ table: string; name: string; type: string; nullable: string }>(`
      SELECT table_name AS table, column_name AS name, data_type AS type, is_nullable AS nullable
      FROM information_schema.columns WHERE table_schema = current_schema()`);
    const indexes = await query<{
      table: string;
      name: string;
      unique: boolean;
      primary: boolean;
      partial: boolean;
      constraint: boolean;
      columns: string[];
    }>(`
      SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
        x.indpred IS NOT NULL AS partial,
        EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) AS constraint,
        ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      WHERE t.relnamespace = current_schema()::regnamespace`);
    const fks = await query<{ table: string; columns: string[]; ref: string; refColumns: string[] }>(`
      SELECT t.relname AS table, r.relname AS ref,
        ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS columns,
        ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
              JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS "refColumns"
      FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
      WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace`);

    const schema: Schema = {};
    const tables = [...new Set(columns.map((c) => c.table))].filter((t) => !INTERNAL.has(t));
    for (const table of tables) {
      const own = indexes.filter((i) => i.table === table);
      schema[table] = {
        columns: columns
          .filter((c) => c.table === table)
          .map((c) => `${c.name} ${normalType(c.type)}${c.nullable === 'NO' ? ' not null' : ''}`)
          .sort(),
        primaryKey: own.find((i) => i.primary)?.columns ?? [],
        indexes: own
          .filter((i) => !i.primary)
          .map(
            (i) =>
              `${i.constraint ? 'constraint' : i.name} ${i.unique ? 'unique ' : ''}(${i.columns.join(',')})${i.partial ? ' partial' : ''}`,
          )
          .sort(),
        foreignKeys: fks
          .filter((fk) => fk.table === table)
          .map((fk) => `(${fk.columns.join(',')}) -> ${fk.ref}(${fk.refColumns.join(',')})`)
          .sort(),
      };
    }
    return schema;
  } finally {
    await client.end();
  }
}

test(`migrations apply once on ${TEST_ENGINE}: a second run finds nothing to do`, async () => {
  const testDatabase = await createTestDatabase();
  const database = openDatabase(testDatabase.url);
  try {
    const first = await migrate(database);
    assert.ok(first.length > 0, 'the first run applies every migration');
    assert.deepEqual(await migrate(database), []);
  } finally {
    await database.close();
    await testDatabase.drop();
  }
});

// The comparison needs both engines, so it belongs to the PostgreSQL run of the suite (the SQLite
// run has no PostgreSQL to compare with when TEST_DATABASE_URL is unset).
if (TEST_ENGINE === 'postgres') {
  test('the same migrations create the same schema on SQLite and PostgreSQL', async () => {
    const file = join(tmpdir(), `qualify-schema-${process.pid}-${randomBytes(4).toString('hex')}.db`);
    const sqlite = openDatabase(`sqlite:${file}`);
    const testDatabase = await createTestDatabase();
    const postgres = openDatabase(testDatabase.url);
    try {
      await migrate(sqlite);
      await migrate(postgres);
      const fromSqlite = sqliteSchema(file);
      const fromPostgres = await postgresSchema(testDatabase.url);
      assert.ok(Object.keys(fromSqlite).includes('qualification_sessions'), JSON.stringify(fromSqlite));
      assert.deepEqual(Object.keys(fromPostgres).sort(), Object.keys(fromSqlite).sort());
      for (const table of Object.keys(fromSqlite)) {
        assert.deepEqual(fromPostgres[table], fromSqlite[table], `table ${table} differs between engines`);
      }
    } finally {
      await sqlite.close();
      await postgres.close();
      await testDatabase.drop();
      for (const ext of ['', '-wal', '-shm', '.lock', '.instances']) rmSync(`${file}${ext}`, { force: true });
    }
  });
}
