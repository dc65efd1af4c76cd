import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Cluster, startCluster } from '../support/server-process.js';

// Issue 14 item 1 — the typed client as a merchant gets it: packed, installed from the tarball into
// an empty project, a program type-checked against it and run against a real `qualify serve`.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLIENT = join(ROOT, 'packages/client');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  return { status: result.status, stdout: result.stdout, output: `${result.stdout}\n${result.stderr}` };
}

describe('@qualify/client', () => {
  it('its types match the committed openapi.json (npm run generate -w @qualify/client)', () => {
    const check = run(process.execPath, [join(CLIENT, 'scripts/generate.mjs'), '--check'], ROOT);
    assert.equal(check.status, 0, check.output);
  });

  it('is publishable: Apache-2.0, exports with types, no dependency on the server', () => {
    const pkg = JSON.parse(readFileSync(join(CLIENT, 'package.json'), 'utf8'));
    assert.equal(pkg.name, '@qualify/client');
    assert.equal(pkg.license, 'Apache-2.0');
    assert.equal(pkg.private, undefined);
    assert.deepEqual(Object.keys(pkg.dependencies), ['openapi-fetch'], JSON.stringify(pkg.dependencies));
    assert.equal(pkg.exports['.'].types, './dist/index.d.ts');
    assert.equal(pkg.exports['./webhooks'].types, './dist/webhooks.d.ts');
  });

  describe('packed, installed into an empty project, against a real server', () => {
    let scratch: string;
    let cluster: Cluster;
    before(async () => {
      scratch = mkdtempSync(join(tmpdir(), 'qualify-client-'));
      cluster = await startCluster(1);
    });
    after(async () => {
      await cluster?.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    it('type-checks a merchant program and runs it: create, replay, retrieve, list, update, webhook', async () => {
      // npm pack runs `prepack`, which builds dist/ from src/.
      const pack = run('npm', ['pack', '--json', '--pack-destination', scratch], CLIENT);
      assert.equal(pack.status, 0, pack.output);
      const [packResult] = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[/m))) as Array<{
        filename: string;
        files: Array<{ path: string }>;
      }>;
      const { filename, files } = packResult!;
      const packed = files.map((f) => f.path).sort();
      for (const path of [
        'LICENSE',
        'README.md',
        'dist/index.d.ts',
        'dist/index.js',
        'dist/webhooks.js',
        'package.json',
      ])
        assert.ok(packed.includes(path), `${path} not in the tarball: ${packed.join(', ')}`);
      assert.ok(!packed.some((p) => p.startsWith('src/') || p.startsWith('scripts/')), packed.join(', '));

      const project = join(scratch, 'merchant');
      spawnSync('mkdir', ['-p', project]);
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({
          name: 'merchant',
          private: true,
          type: 'module',
          dependencies: { '@qualify/client': `file:../${filename}` },
        }),
      );
      const install = run(
        'npm',
        ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
        project,
      );
      assert.equal(install.status, 0, install.output);
      assert.doesNotMatch(install.output, /EBADENGINE/, install.output);

      copyFileSync(join(ROOT, 'test/client/program.mts.txt'), join(project, 'program.mts'));
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2022', 'DOM'],
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            outDir: 'build',
            types: ['node'],
            typeRoots: [join(ROOT, 'node_modules/@types')],
          },
          files: ['program.mts'],
        }),
      );
      const tsc = run(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
      assert.equal(tsc.status, 0, `tsc:\n${tsc.output}`);

      const [instance] = cluster.instances;
      const program = run(
        process.execPath,
        ['build/program.mjs', instance!.url, cluster.channel.api_key],
        project,
      );
      assert.equal(program.status, 0, program.output);
      const result = JSON.parse(program.output.trim().split('\n')[0]!);
      assert.match(result.created.id, /^qs_/, program.output);
      assert.equal(result.created.status, 'pending', program.output);
      assert.equal(result.created.email, 'shopper@example.com', program.output);
      assert.equal(result.replayed, 'true', program.output);
      assert.equal(result.retrievedSame, true, program.output);
      assert.deepEqual(result.page, { ids: 2, count: 3 }, program.output);
      assert.equal(result.all, 3, program.output);
      assert.deepEqual(
        result.updated,
        { qualification_session_id: result.created.id, status: 'pending' },
        program.output,
      );
      assert.deepEqual(result.missing, { status: 404, error: 'NotFound' }, program.output);
      assert.deepEqual(result.webhook, { verified: true, type: 'webhook_endpoint.test' }, program.output);
    });
  });
});
