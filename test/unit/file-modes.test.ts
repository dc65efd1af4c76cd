import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { migrate, openDatabase } from '../../src/db/database.js';
import { dataFileWarnings, ensurePrivateDir, writePrivateFile } from '../../src/lib/private-files.js';
import { newSecret, startServerProcess } from '../support/server-process.js';

const mode = (path: string) => statSync(path).mode & 0o777;

// Issue 13 item 4 — the data directory 0700; database, WAL, shared memory, secret and mail 0600.
describe('file modes of the data', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'qualify-modes-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the SQLite directory 0700 and the database, WAL, shared-memory and lock files 0600', async () => {
    const data = join(tempDir(), 'data');
    const file = join(data, 'qualify.db');
    const database = openDatabase(`sqlite:${file}`);
    try {
      await migrate(database);
      await database.exclusive('modes', async () => {});
      assert.equal(mode(data), 0o700);
      for (const path of [file, `${file}-wal`, `${file}-shm`, `${file}.lock`])
        assert.equal(mode(path), 0o600, path);
      assert.deepEqual(dataFileWarnings({ databaseUrl: `sqlite:${file}`, dataDir: data }), []);
    } finally {
      await database.close();
    }
  });

  it('gives mail and other private files 0600 whatever the umask', () => {
    const mail = join(tempDir(), 'data', 'mail');
    ensurePrivateDir(mail);
    const message = join(mail, 'm1.eml');
    const umask = process.umask(0o022);
    try {
      writePrivateFile(message, 'Subject: hello\n');
    } finally {
      process.umask(umask);
    }
    assert.equal(mode(message), 0o600);
    assert.equal(mode(mail), 0o700);
  });

  it('warns at start about each existing file or directory others can read', async () => {
    const data = join(tempDir(), 'data');
    const file = join(data, 'qualify.db');
    const database = openDatabase(`sqlite:${file}`);
    await migrate(database);
    await database.close();
    ensurePrivateDir(join(data, 'mail'));
    writePrivateFile(join(data, 'mail', 'm1.eml'), 'x');
    chmodSync(file, 0o644);
    chmodSync(join(data, 'mail', 'm1.eml'), 0o640);
    chmodSync(data, 0o755);
    const warnings = dataFileWarnings({ databaseUrl: `sqlite:${file}`, dataDir: data });
    assert.deepEqual(
      warnings.map((w) => w.split(' is mode ')[0]).sort(),
      [data, file, join(data, 'mail', 'm1.eml')].sort(),
      warnings.join('\n'),
    );
    assert.match(warnings.find((w) => w.startsWith(file))!, /is mode 0644; it should be 0600 \(chmod 0600 /);

    const server = await startServerProcess({ databaseUrl: `sqlite:${file}`, secret: newSecret() });
    try {
      const logged = server.logs().filter((line) => line.msg === 'data file readable by others');
      assert.ok(
        logged.some((line) => String(line.file).startsWith(`${file} is mode 0644`)),
        JSON.stringify(logged),
      );
      assert.match(server.stdout(), /listening on http:\/\/127\.0\.0\.1:\d+ — only this machine can connect/);
    } finally {
      await server.stop();
    }
  });
});
