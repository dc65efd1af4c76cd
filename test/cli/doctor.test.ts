import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Check, formatChecks, runDoctor } from '../../src/doctor/doctor.js';
import { createRepositories } from '../../src/repositories.js';
import { keyCheckValue } from '../../src/secrets/key-check.js';
import { createTestApp, TEST_SECRET, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';

const BIN = new URL('../../bin/qualify.js', import.meta.url).pathname;

/** `qualify …` without blocking this process (its own server must answer the command). */
function runQualify(args: string[], env: Record<string, string>) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent', ...env } },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Issue 14 item 6 — `qualify doctor` on a healthy instance and on each broken condition. */
describe('qualify doctor', () => {
  let t: TestApp;
  let publicUrl: string;
  let smtp: Server;
  let smtpPort: number;
  let cwd: string;
  const repositories = createRepositories();
  // A SQLite test database sits in a directory of its own, private as a deployment's is (the
  // shared /tmp would be reported as readable by others, rightly).
  const savedTmpdir = process.env.TMPDIR;
  const privateTmp = mkdtempSync(join(tmpdir(), 'qualify-doctor-db-'));

  /** Closes a stub server, its open connections too (close alone waits for them). */
  const sockets = new Set<Socket>();
  const track = (server: Server) => {
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return server;
  };
  const shut = (server: Server) =>
    new Promise((resolve) => {
      server.close(resolve);
      for (const socket of sockets) socket.destroy();
    });
  const listen = (server: Server) =>
    new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
  /** A port nothing listens on. */
  const closedPort = async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    return port;
  };

  before(async () => {
    process.env.TMPDIR = privateTmp;
    t = await createTestApp();
    publicUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    smtp = track(
      createServer((socket) => {
        socket.on('error', () => {});
        socket.write('220 mail.qualify.test ESMTP ready\r\n');
        socket.on('data', () => socket.end('221 bye\r\n'));
      }),
    );
    smtpPort = await listen(smtp);
    cwd = mkdtempSync(join(tmpdir(), 'qualify-doctor-'));
    await repositories.keyChecks.insertIfAbsent(
      t.database.db,
      keyCheckValue(Buffer.from(TEST_SECRET, 'base64')),
      Date.now(),
    );
  });
  after(async () => {
    await shut(smtp);
    await t.close();
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    rmSync(cwd, { recursive: true, force: true });
    rmSync(privateTmp, { recursive: true, force: true });
  });

  const env = (overrides: Record<string, string> = {}) => ({
    QUALIFY_ENV: 'test',
    QUALIFY_SECRET: TEST_SECRET,
    DATABASE_URL: t.testDatabase.url,
    PUBLIC_URL: publicUrl,
    SMTP_URL: `smtp://doctor:pw@127.0.0.1:${smtpPort}`,
    ...overrides,
  });
  const doctor = (overrides: Record<string, string> = {}) =>
    runDoctor({ env: env(overrides), cwd, timeoutMs: 3_000 });
  const byName = (checks: Check[], name: string) => {
    const check = checks.find((c) => c.name === name);
    assert.ok(check, `no ${name} check in ${formatChecks(checks)}`);
    return check;
  };
  /** Exactly `name` fails, with a fix; every other check is ok. */
  function onlyFailing(checks: Check[], name: string, detail: RegExp): void {
    const report = formatChecks(checks);
    const failing = checks.filter((c) => c.status === 'fail').map((c) => c.name);
    assert.deepEqual(failing, [name], report);
    const check = byName(checks, name);
    assert.match(check.detail, detail, report);
    assert.ok(check.fix && check.fix.length > 10, report);
  }

  it('a healthy instance: every check ok, one line each', async () => {
    const checks = await doctor();
    const report = formatChecks(checks);
    assert.deepEqual(
      checks.map((c) => [c.name, c.status]),
      [
        ['configuration', 'ok'],
        ['database', 'ok'],
        ['migrations', 'ok'],
        ['secret', 'ok'],
        ['file modes', 'ok'],
        ['smtp', 'ok'],
        ['public url', 'ok'],
        ['webhooks', 'ok'],
      ],
      report,
    );
    assert.match(report, /no problems found$/, report);
    assert.doesNotMatch(report, /pw@/, 'the SMTP password is never printed');
  });

  it('SMTP is skipped when SMTP_URL is not set', async () => {
    const checks = await runDoctor({ env: { ...env(), SMTP_URL: '' }, cwd, timeoutMs: 3_000 });
    assert.equal(byName(checks, 'smtp').status, 'skip', formatChecks(checks));
  });

  it('broken configuration: reported with the variable, the rest skipped', async () => {
    const checks = await doctor({ QUALIFY_ENV: 'staging', SMTP_URL: 'mail.example' });
    const report = formatChecks(checks);
    assert.equal(byName(checks, 'configuration').status, 'fail', report);
    assert.match(byName(checks, 'configuration').detail, /QUALIFY_ENV must be one of/, report);
    assert.match(byName(checks, 'configuration').detail, /SMTP_URL must be an smtp/, report);
    assert.ok(
      checks.filter((c) => c.name !== 'configuration').every((c) => c.status === 'skip'),
      report,
    );
  });

  it('unreachable database', async () => {
    const port = await closedPort();
    const checks = await doctor({ DATABASE_URL: `postgres://qualify:hunter2@127.0.0.1:${port}/qualify` });
    const report = formatChecks(checks);
    assert.equal(byName(checks, 'database').status, 'fail', report);
    assert.match(byName(checks, 'database').fix ?? '', /PostgreSQL is running/, report);
    assert.doesNotMatch(report, /hunter2/, report);
    for (const name of ['migrations', 'secret', 'webhooks'])
      assert.equal(byName(checks, name).status, 'skip', report);
  });

  it('pending migrations', async () => {
    const fresh = await createTestDatabase();
    try {
      const checks = await doctor({ DATABASE_URL: fresh.url });
      onlyFailing(checks, 'migrations', /pending: 001_core/);
      assert.match(byName(checks, 'migrations').fix ?? '', /qualify migrate/);
    } finally {
      await fresh.drop();
    }
  });

  it('a secret other than the one the database was created with', async () => {
    onlyFailing(
      await doctor({ QUALIFY_SECRET: randomBytes(32).toString('base64') }),
      'secret',
      /does not match the one this database was created with/,
    );
  });

  it('a rotation left unfinished', async () => {
    const checks = await doctor({
      QUALIFY_SECRET: randomBytes(32).toString('base64'),
      QUALIFY_PREVIOUS_SECRETS: TEST_SECRET,
    });
    onlyFailing(checks, 'secret', /previous secret/);
    assert.match(byName(checks, 'secret').fix ?? '', /qualify secret rotate/);
  });

  it('a data file readable by others', async () => {
    mkdirSync(join(cwd, 'data'), { recursive: true, mode: 0o700 });
    const secretFile = join(cwd, 'data', 'secret');
    writeFileSync(secretFile, 'not read: QUALIFY_SECRET is set\n', { mode: 0o644 });
    chmodSync(secretFile, 0o644);
    try {
      const checks = await doctor();
      onlyFailing(checks, 'file modes', /data\/secret/);
      assert.match(byName(checks, 'file modes').detail, /chmod 0?600/, formatChecks(checks));
    } finally {
      rmSync(secretFile);
    }
  });

  it('SMTP not reachable, or not an SMTP server', async () => {
    const port = await closedPort();
    onlyFailing(await doctor({ SMTP_URL: `smtp://127.0.0.1:${port}` }), 'smtp', /ECONNREFUSED/);
    const notSmtp = track(createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const notSmtpPort = await listen(notSmtp);
    try {
      onlyFailing(await doctor({ SMTP_URL: `smtp://127.0.0.1:${notSmtpPort}` }), 'smtp', /instead of a 220/);
    } finally {
      await shut(notSmtp);
    }
  });

  it('PUBLIC_URL not reachable from this host', async () => {
    const port = await closedPort();
    onlyFailing(await doctor({ PUBLIC_URL: `http://127.0.0.1:${port}` }), 'public url', /ECONNREFUSED/);
  });

  it('webhook endpoints that fail or were disabled', async () => {
    const channel = await t.channel();
    const failing = await t.services.webhookEndpoints.create(channel.channelId, {
      url: 'https://93.184.215.14/hooks',
    });
    const queued = await t.services.webhookEndpoints.sendTest(channel.channelId, failing.endpoint.id);
    await repositories.deliveries.update(t.database.db, queued.webhook_delivery_id, {
      status: 'pending',
      attempt_count: 3,
      last_status_code: 500,
      last_error: 'HTTP 500',
      updated_at: Date.now(),
    });
    let checks = await doctor();
    onlyFailing(checks, 'webhooks', /1 failing delivery, last error: HTTP 500/);
    assert.match(byName(checks, 'webhooks').detail, /93\.184\.215\.14/);

    await repositories.deliveries.update(t.database.db, queued.webhook_delivery_id, {
      status: 'succeeded',
      updated_at: Date.now(),
    });
    const disabled = await t.services.webhookEndpoints.create(channel.channelId, {
      url: 'https://93.184.215.15/gone',
    });
    await repositories.endpoints.update(t.database.db, disabled.endpoint.id, {
      disabled_at: Date.now(),
      disabled_reason: 'the receiver answered 410 Gone',
    });
    checks = await doctor();
    onlyFailing(checks, 'webhooks', /is disabled: the receiver answered 410 Gone/);
    assert.doesNotMatch(byName(checks, 'webhooks').detail, /93\.184\.215\.14/, formatChecks(checks));
    await repositories.endpoints.update(t.database.db, disabled.endpoint.id, {
      deleted_at: Date.now(),
    });
    assert.equal(byName(await doctor(), 'webhooks').status, 'ok');
  });

  it('the command: --json, exit 0 when healthy and 1 on a problem', async () => {
    const base = { QUALIFY_ENV: 'test', QUALIFY_SECRET: TEST_SECRET, DATABASE_URL: t.testDatabase.url };
    const healthy = await runQualify(['doctor', '--json'], { ...base, PUBLIC_URL: publicUrl });
    assert.equal(healthy.status, 0, `${healthy.stdout}\n${healthy.stderr}`);
    const body = JSON.parse(healthy.stdout) as { ok: boolean; checks: Check[] };
    assert.equal(body.ok, true, healthy.stdout);
    assert.equal(body.checks.length, 8, healthy.stdout);

    const broken = await runQualify(['doctor', '--timeout', '2000'], {
      ...base,
      PUBLIC_URL: 'http://127.0.0.1:1',
    });
    assert.equal(broken.status, 1, `${broken.stdout}\n${broken.stderr}`);
    assert.match(broken.stdout, /^FAIL {2}public url/m, broken.stdout);
    assert.match(broken.stdout, /fix: start the server/, broken.stdout);
    assert.match(broken.stdout, /1 problem found$/m, broken.stdout);
  });
});
