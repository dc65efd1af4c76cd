import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const SECRET = 'x4Vq0n0tCq9vLrFJm3d2w5l0u8Gk1nQh7yS9pTzB3aE=';

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

  /** Issue 13 item 2 — each weak secret is a start-up error naming the problem. */
  const weak: Array<[string, string, RegExp]> = [
    ['empty', '', /QUALIFY_SECRET is empty/],
    ['blank', '   ', /QUALIFY_SECRET is empty/],
    ['not base64', 'correct horse battery staple!', /QUALIFY_SECRET must be base64/],
    ['16 bytes', Buffer.alloc(16, 9).toString('base64'), /must decode to at least 32 bytes \(got 16\)/],
    ['31 random bytes', 'Bj1m6xVvP8bM1n2cQ3dR4eS5fT6gU7hW8iX9jY0kZA==', /at least 32 bytes \(got 31\)/],
    ['all one byte', Buffer.alloc(32, 7).toString('base64'), /trivially weak: every byte is the same/],
    ['all zero', Buffer.alloc(48).toString('base64'), /trivially weak: every byte is the same/],
    ['a repeated pattern', Buffer.from('abcd'.repeat(8)).toString('base64'), /a 4-byte pattern repeated/],
    [
      'a long repeated pattern',
      Buffer.from('0123456789abcdef'.repeat(2)).toString('base64'),
      /a 16-byte pattern repeated/,
    ],
    [
      'few distinct bytes',
      Buffer.from('abcdefghijklmnoonmlkjihgfedcbaab').toString('base64'),
      /only 15 distinct byte values/,
    ],
  ];
  for (const [name, value, message] of weak) {
    it(`refuses a weak QUALIFY_SECRET: ${name}`, () => {
      assert.throws(
        () => loadConfig({ QUALIFY_SECRET: value, PORT: 'x' }, tempDir()),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          const text = error.problems.join('\n');
          assert.match(text, message, text);
          assert.match(text, /PORT/, 'reported with the other problems');
          return true;
        },
      );
    });
  }

  it('accepts a random secret, base64 or base64url, and previous secrets even when weak', () => {
    const url = Buffer.from(SECRET, 'base64').toString('base64url');
    const old = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig(
      { QUALIFY_SECRET: url, QUALIFY_PREVIOUS_SECRETS: ` ${old}, ,${SECRET}` },
      tempDir(),
    );
    assert.deepEqual(config.secret, Buffer.from(SECRET, 'base64'));
    assert.deepEqual(config.previousSecrets, [Buffer.alloc(32, 7)], 'the current one is not repeated');
    assert.throws(
      () => loadConfig({ QUALIFY_SECRET: SECRET, QUALIFY_PREVIOUS_SECRETS: 'not base64!' }, tempDir()),
      /QUALIFY_PREVIOUS_SECRETS: entry 1 is not base64/,
    );
  });

  it('refuses an empty, unreadable or weak ./data/secret instead of using a zero-length key', () => {
    const empty = tempDir();
    mkdirSync(join(empty, 'data'));
    writeFileSync(join(empty, 'data', 'secret'), '\n');
    assert.throws(() => loadConfig({}, empty), /data\/secret is empty/);
    const unreadable = tempDir();
    mkdirSync(join(unreadable, 'data', 'secret'), { recursive: true });
    assert.throws(() => loadConfig({}, unreadable), /data\/secret cannot be read \(EISDIR\)/);
    const weakFile = tempDir();
    mkdirSync(join(weakFile, 'data'));
    writeFileSync(join(weakFile, 'data', 'secret'), Buffer.alloc(32, 1).toString('base64'));
    assert.throws(() => loadConfig({}, weakFile), /data\/secret is trivially weak/);
  });

  it('per-IP limits and the proxies trusted for the client address (issue 13 item 5)', () => {
    const defaults = loadConfig({ QUALIFY_SECRET: SECRET }, tempDir());
    assert.deepEqual(defaults.ipRateLimits, {
      unauthenticated: 30,
      surveyPosts: 30,
      verify: 60,
      signIn: 20,
      patientCheck: 10,
    });
    assert.equal(defaults.trustProxy, false);
    const set = loadConfig(
      {
        QUALIFY_SECRET: SECRET,
        QUALIFY_SIGN_IN_LIMIT_PER_MINUTE: '0',
        QUALIFY_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
      },
      tempDir(),
    );
    assert.equal(set.ipRateLimits.signIn, 0);
    assert.equal(set.trustProxy, '10.0.0.0/8, 127.0.0.1');
    assert.equal(loadConfig({ QUALIFY_SECRET: SECRET, QUALIFY_TRUST_PROXY: '2' }, tempDir()).trustProxy, 2);
    assert.throws(
      () =>
        loadConfig(
          { QUALIFY_SECRET: SECRET, QUALIFY_TRUST_PROXY: 'everyone', QUALIFY_VERIFY_LIMIT_PER_MINUTE: '-1' },
          tempDir(),
        ),
      /QUALIFY_VERIFY_LIMIT_PER_MINUTE must be an integer[\s\S]*QUALIFY_TRUST_PROXY must be/,
    );
  });

  it('console second factor: required by default in production, optional elsewhere (issue 11 item 2)', () => {
    assert.equal(
      loadConfig({ QUALIFY_SECRET: SECRET, QUALIFY_ENV: 'production', MAIL_DISABLED: 'true' }, tempDir())
        .consoleMfa,
      'required',
    );
    assert.equal(loadConfig({ QUALIFY_SECRET: SECRET }, tempDir()).consoleMfa, 'optional');
    assert.equal(
      loadConfig({ QUALIFY_SECRET: SECRET, QUALIFY_CONSOLE_MFA: 'required' }, tempDir()).consoleMfa,
      'required',
    );
    assert.throws(
      () => loadConfig({ QUALIFY_SECRET: SECRET, QUALIFY_CONSOLE_MFA: 'sometimes' }, tempDir()),
      /QUALIFY_CONSOLE_MFA must be one of required, optional/,
    );
  });

  it('dashboard second factor: required for owners by default in production, optional elsewhere (issue 12 item 1)', () => {
    assert.equal(
      loadConfig({ QUALIFY_SECRET: SECRET, QUALIFY_ENV: 'production', MAIL_DISABLED: 'true' }, tempDir())
        .dashboardMfa,
      'required-for-owners',
    );
    assert.equal(loadConfig({ QUALIFY_SECRET: SECRET }, tempDir()).dashboardMfa, 'optional');
    assert.equal(
      loadConfig({ QUALIFY_SECRET: SECRET, QUALIFY_DASHBOARD_MFA: 'required-for-owners' }, tempDir())
        .dashboardMfa,
      'required-for-owners',
    );
    assert.throws(
      () => loadConfig({ QUALIFY_SECRET: SECRET, QUALIFY_DASHBOARD_MFA: 'required' }, tempDir()),
      /QUALIFY_DASHBOARD_MFA must be one of required-for-owners, optional/,
    );
  });

  it('outside production a missing secret is generated once under ./data/secret and reused', () => {
    const dir = tempDir();
    const first = loadConfig({}, dir);
    const second = loadConfig({}, dir);
    assert.equal(first.secret.length, 32);
    assert.deepEqual(first.secret, second.secret);
    assert.equal(readFileSync(join(dir, 'data', 'secret'), 'utf8').trim(), first.secret.toString('base64'));
    // Issue 13 item 4 — only the owner can read it, in a directory only the owner can enter.
    assert.equal(statSync(join(dir, 'data', 'secret')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o700);
    assert.equal(first.dataDir, join(dir, 'data'));
  });

  it('SMTP_URL: smtp:// or smtps:// with a host, undefined when unset; a bad one is not echoed', () => {
    assert.equal(loadConfig({ QUALIFY_SECRET: SECRET }, tempDir()).smtpUrl, undefined);
    const url = 'smtps://mailer:s3cret@mail.example.com:465';
    assert.equal(loadConfig({ QUALIFY_SECRET: SECRET, SMTP_URL: url }, tempDir()).smtpUrl, url);
    assert.throws(
      () =>
        loadConfig({ QUALIFY_SECRET: SECRET, SMTP_URL: 'http://user:pw-in-url@mail.example.com' }, tempDir()),
      (error: Error) =>
        /SMTP_URL must be an smtp/.test(error.message) && !error.message.includes('pw-in-url'),
    );
  });
});
