import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Database, migrate, openDatabase } from '../../src/db/database.js';
import { createRepositories, TABLE_OWNERS } from '../../src/repositories.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// Issue 9 item 1 — every table has exactly one repository, which holds all of its SQL; nothing
// else in `src/` builds a query. Checked by reading the source, so a new violation fails here.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where SQL may be written besides the repositories: the database infrastructure and migrations. */
const INFRASTRUCTURE = [
  'src/db/database.ts',
  'src/db/dialect.ts',
  'src/db/precompiled.ts',
  'src/db/statement-cache.ts',
  'src/db/pg-introspector.ts',
  'src/db/transaction.ts',
  'src/db/notifications.ts',
];
const isRepository = (path: string) => path.endsWith('.repository.ts');
const isMigration = (path: string) => path.startsWith('src/db/migrations/');
const mayWriteSql = (path: string) =>
  isRepository(path) || isMigration(path) || INFRASTRUCTURE.includes(path);

/** Query building through Kysely, raw SQL, or a driver call. */
const SQL_USE = [
  /\.(selectFrom|selectNoFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto)\(/,
  /\bsql(<[^>]*>)?`/,
  /\bsql\.(raw|ref|id|table|lit|join)\(/,
  /\.executeQuery\(/,
  /CompiledQuery\.raw\(/,
  /\.(prepare|query)\(\s*['"`]/,
];

/** The tables a source text touches: query builders, `table.column` references and raw SQL. */
function tablesIn(text: string, tables: readonly string[]): Set<string> {
  const found = new Set<string>();
  const known = new Set(tables);
  const add = (name: string | undefined) => {
    if (name !== undefined && known.has(name)) found.add(name);
  };
  const builder =
    /\.(?:selectFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto|innerJoin|leftJoin|rightJoin|fullJoin)\(\s*['"`]([a-z_]+)/g;
  for (const match of text.matchAll(builder)) add(match[1]);
  for (const match of text.matchAll(/['"`]([a-z_]+)\.[a-z_]+['"`]/g)) add(match[1]);
  for (const match of text.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_]+)/g)) add(match[1]);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The file that declares each repository class, keyed by its name in `Repositories`. */
function ownerFiles(files: Map<string, string>): Map<string, string> {
  const owners = new Map<string, string>();
  for (const [key, repository] of Object.entries(createRepositories())) {
    const className = (repository as object).constructor.name;
    const declaring = [...files].filter(([, text]) => text.includes(`export class ${className} `));
    assert.equal(declaring.length, 1, `one file declares ${className}: ${declaring.map(([p]) => p)}`);
    owners.set(key, declaring[0]![0]);
  }
  return owners;
}

describe('one repository per table (issue 9)', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let tables: string[];
  const files = new Map(sourceFiles('src').map((path) => [path, readFileSync(join(ROOT, path), 'utf8')]));

  before(async () => {
    testDatabase = await createTestDatabase();
    database = openDatabase(testDatabase.url);
    await migrate(database);
    tables = (await database.db.introspection.getTables()).map((table) => table.name).sort();
  });
  after(async () => {
    await database.close();
    await testDatabase.drop();
  });

  it('names an owner for every table the migrations create, and no other', () => {
    assert.ok(tables.length >= 18, `tables read back: ${tables}`);
    assert.deepEqual(Object.keys(TABLE_OWNERS).sort(), tables);
  });

  it('writes no SQL outside the repositories, the database infrastructure and the migrations', () => {
    const offenders = [...files]
      .filter(([path]) => !mayWriteSql(path))
      .flatMap(([path, text]) =>
        text
          .split('\n')
          .flatMap((line, index) =>
            SQL_USE.some((pattern) => pattern.test(line)) ? [`${path}:${index + 1}: ${line.trim()}`] : [],
          ),
      );
    assert.deepEqual(offenders, []);
  });

  it('touches each table from its owner repository only', () => {
    const owners = ownerFiles(files);
    const problems: string[] = [];
    for (const [path, text] of files) {
      if (!isRepository(path)) continue;
      for (const table of tablesIn(text, tables)) {
        const owner = owners.get(TABLE_OWNERS[table as keyof typeof TABLE_OWNERS]);
        if (owner !== path) problems.push(`${path} touches ${table}, owned by ${owner}`);
      }
    }
    assert.deepEqual(problems, []);
    // The reading above sees what it is meant to: each owner's file does touch each of its tables.
    for (const [table, key] of Object.entries(TABLE_OWNERS)) {
      const owner = owners.get(key)!;
      assert.ok(tablesIn(files.get(owner)!, tables).has(table), `${relative('.', owner)} touches ${table}`);
    }
  });

  it('builds each repository once, in src/repositories.ts', () => {
    const outside = [...files]
      .filter(([path]) => path !== 'src/repositories.ts')
      .filter(([, text]) => /new [A-Za-z]+Repository\(/.test(text))
      .map(([path]) => path);
    assert.deepEqual(outside, []);
  });

  it('would notice a query built in a service, and a table read by another repository', () => {
    const service = "const row = await tx.db.selectFrom('events').selectAll().execute();";
    assert.ok(SQL_USE.some((pattern) => pattern.test(service)));
    assert.deepEqual([...tablesIn(service, tables)], ['events']);
    const joined = "db.selectFrom('webhook_deliveries as d').innerJoin('events as e', 'e.id', 'd.event_id')";
    assert.deepEqual([...tablesIn(joined, tables)].sort(), ['events', 'webhook_deliveries']);
    assert.deepEqual([...tablesIn('sql`SELECT 1 FROM audit_log`', tables)], ['audit_log']);
  });
});
