import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const SECRET = Buffer.alloc(32, 1).toString('base64');

describe('loadConfig (SPEC §4.2)', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'qualify-config-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('defaults: port 8080, SQLite under ./data, public URL from the port, frozen', () => {
    const config = loadConfig({ QUALIFY_SECRET: SECRET }, tempDir());
    assert.equal(config.port, 8080);
    assert.equal(config.databaseUrl, 'sqlite:./data/qualify.db');
    assert.equal(config.publicUrl, 'http://localhost:8080');
    assert.equal(config.env, 'development');
    assert.equal(config.secret.length, 32);
    assert.ok(Object.isFrozen(config));
  });

  it('PORT feeds the default PUBLIC_URL; a trailing slash is trimmed from PUBLIC_URL', () => {
    assert.equal(
      loadConfig({ QUALIFY_SECRET: SECRET, PORT: '18123' }, tempDir()).publicUrl,
      'http://localhost:18123',
    );
    assert.equal(
      loadConfig({ QUALIFY_SECRET: SECRET, PUBLIC_URL: 'https://q.example.com/' }, tempDir()).publicUrl,
      'https://q.example.com',
    );
  });

  it('reports every problem at once', () => {
    assert.throws(
      () =>
        loadConfig(
          {
            QUALIFY_ENV: 'production',
            PORT: 'eighty',
            DATABASE_URL: 'mysql://x',
            PUBLIC_URL: 'ftp://x',
            LOG_LEVEL: 'loud',
          },
          tempDir(),
        ),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const text = error.problems.join('\n');
        for (const name of ['PORT', 'DATABASE_URL', 'PUBLIC_URL', 'QUALIFY_SECRET', 'LOG_LEVEL']) {
          assert.match(text, new RegExp(name), text);
        }
        return true;
      },
    );
  });

  it('refuses a short secret', () => {
    assert.throws(
      () => loadConfig({ QUALIFY_SECRET: Buffer.alloc(16).toString('base64') }, tempDir()),
      /QUALIFY_SECRET must be at least 32 bytes/,
    );
  });

  it('outside production a missing secret is generated once under ./data/secret and reused', () => {
    const dir = tempDir();
    const first = loadConfig({}, dir);
    const second = loadConfig({}, dir);
    assert.equal(first.secret.length, 32);
    assert.deepEqual(first.secret, second.secret);
    assert.equal(readFileSync(join(dir, 'data', 'secret'), 'utf8').trim(), first.secret.toString('base64'));
  });
});
