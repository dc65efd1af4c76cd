import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// issue 9 item 3 — in a checkout, `qualify` runs dist/ only when it is at least as new as src/.
// Run against a copy of the bin in a scratch checkout whose "build" only prints that it ran.
describe('bin/qualify.js refuses a missing or stale build', () => {
  let checkout: string;
  const file = (path: string, text: string, seconds: number) => {
    const full = join(checkout, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    utimesSync(full, seconds, seconds);
  };
  const qualify = () => {
    const result = spawnSync(process.execPath, [join(checkout, 'bin/qualify.js'), '--help'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: result.status, out: `${result.stdout}${result.stderr}` };
  };

  before(() => {
    checkout = mkdtempSync(join(tmpdir(), 'qualify-bin-'));
    for (const path of ['bin/qualify.js', 'scripts/build-state.mjs']) {
      mkdirSync(dirname(join(checkout, path)), { recursive: true });
      copyFileSync(join(ROOT, path), join(checkout, path));
    }
    file('scripts/build.mjs', '', 1_000);
    file('src/cli.ts', '', 1_000);
    file('src/survey/definition.json', '{}', 1_000);
  });
  after(() => rmSync(checkout, { recursive: true, force: true }));

  it('without a build it says to run npm run build', () => {
    const result = qualify();
    assert.equal(result.code, 1, result.out);
    assert.match(result.out, /there is no build in dist\/; run `npm run build`/);
  });

  it('runs a build newer than every source', () => {
    file('dist/cli.js', "process.stdout.write('compiled build ran\\n');", 2_000);
    file('dist/.built', '', 2_000);
    // Directories count too (a file added or removed): the scratch ones are older than the build.
    for (const dir of ['src/survey', 'src', 'scripts']) utimesSync(join(checkout, dir), 1_000, 1_000);
    const result = qualify();
    assert.equal(result.code, 0, result.out);
    assert.equal(result.out, 'compiled build ran\n');
  });

  it('refuses a build older than a source file, an asset or the build script', () => {
    for (const path of ['src/cli.ts', 'src/survey/definition.json', 'scripts/build.mjs']) {
      utimesSync(join(checkout, path), 3_000, 3_000);
      const result = qualify();
      assert.equal(result.code, 1, result.out);
      assert.match(result.out, new RegExp(`older than ${path}; run \`npm run build\``), result.out);
      assert.doesNotMatch(result.out, /compiled build ran/);
      utimesSync(join(checkout, path), 1_000, 1_000);
    }
  });
});
