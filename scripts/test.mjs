#!/usr/bin/env node
// `npm test`: lint, type check, then every test file on SQLite, and again on PostgreSQL when
// TEST_DATABASE_URL is set. Ends with one summary line; exits non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
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
  const text = readFileSync(tapFile, 'utf8');
  const read = (name) => Number(text.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
  return {
    tests: read('tests'),
    pass: read('pass'),
    fail: read('fail'),
    skipped: read('skipped') + read('todo'),
  };
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

mkdirSync(join(root, '.tmp'), { recursive: true });
const totals = { pass: 0, fail: 0, skipped: 0 };
for (const engine of engines) {
  const tap = join(root, '.tmp', `tests-${engine}.tap`);
  const passed = run(
    `tests on ${engine} (${files.length} files)`,
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=3',
      '--test-timeout=120000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { QUALIFY_TEST_ENGINE: engine, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  );
  const c = counts(tap);
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
