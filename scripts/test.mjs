#!/usr/bin/env node
// `npm test`: lint, type check, then every test file on SQLite, and again on PostgreSQL when
// TEST_DATABASE_URL is set. Ends with one summary line; exits non-zero if anything failed.
// Tests import src/ through tsx; tests that start `qualify` processes (bin/qualify.js) run the
// compiled build, which is brought up to date first.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);

function run(title, command, args, env = {}) {
  process.stdout.write(`\n▶ ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

function testFiles(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return testFiles(path);
      return entry.name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

function counts(tapFile) {
  // A run that died before the reporter wrote anything counts as no tests run.
  const text = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
  const read = (name) => Number(text.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
  return {
    tests: read('tests'),
    pass: read('pass'),
    // A test cancelled because its suite's hook failed did not pass either.
    fail: read('fail') + read('cancelled'),
    skipped: read('skipped') + read('todo'),
  };
}

// issue 9 item 3 — a no-op when dist/ is newer than the sources, about a second or two otherwise.
if (!run('build (dist/, when older than src/)', process.execPath, ['scripts/build.mjs', '--if-stale'])) {
  process.stdout.write('\nthe build failed: no tests run\n');
  process.exit(1);
}

let ok = true;
if (only.length === 0) {
  ok = run('lint (biome)', 'npx', ['biome', 'check', '.']) && ok;
  ok = run('type check (tsc)', 'npx', ['tsc', '--noEmit']) && ok;
}

const files = only.length > 0 ? only : testFiles('test');
const engines = ['sqlite'];
if (process.env.TEST_DATABASE_URL) engines.push('postgres');
else process.stdout.write('\n(TEST_DATABASE_URL is not set: the PostgreSQL run is skipped)\n');

// Every PostgreSQL test schema is named qt_<run>_… and every SQLite test file qualify-test-<run>-…;
// after the run, whatever a crashed test left behind is removed (only this run's: other runs may
// share the database and the temp directory).
const runId = randomBytes(4).toString('hex');

async function dropLeftoverSchemas() {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'qt\\_' || $1 || '\\_%'",
      [runId],
    );
    for (const { nspname } of rows) await client.query(`DROP SCHEMA "${nspname}" CASCADE`);
    if (rows.length > 0) process.stdout.write(`postgres: dropped ${rows.length} schemas left behind\n`);
  } finally {
    await client.end();
  }
}

function removeLeftoverFiles() {
  const prefix = `qualify-test-${runId}-`;
  for (const name of readdirSync(tmpdir())) {
    if (name.startsWith(prefix)) rmSync(join(tmpdir(), name), { force: true });
  }
}

mkdirSync(join(root, '.tmp'), { recursive: true });
const totals = { pass: 0, fail: 0, skipped: 0 };
for (const engine of engines) {
  // Named by the run: two overlapping `npm test` runs must not read each other's counts.
  const tap = join(root, '.tmp', `tests-${runId}-${engine}.tap`);
  const passed = run(
    `tests on ${engine} (${files.length} files)`,
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=3',
      // Per test: generous, for a busy 2-core machine; tests wait on conditions, not on time.
      '--test-timeout=300000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { QUALIFY_TEST_ENGINE: engine, QUALIFY_TEST_RUN: runId, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  );
  if (engine === 'postgres') await dropLeftoverSchemas();
  else removeLeftoverFiles();
  const c = counts(tap);
  rmSync(tap, { force: true });
  process.stdout.write(`${engine}: ${c.pass} passed, ${c.fail} failed, ${c.skipped} skipped\n`);
  totals.pass += c.pass;
  totals.fail += c.fail;
  totals.skipped += c.skipped;
  if (c.tests === 0) {
    process.stdout.write(`${engine}: no tests ran\n`);
    ok = false;
  }
  ok = passed && ok;
}

process.stdout.write(`\ntotal: ${totals.pass} passed, ${totals.fail} failed\n`);
process.exit(ok && totals.fail === 0 ? 0 : 1);
