import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../../src/config.js';
import { transact } from '../../src/db/transaction.js';
import { ManualClock } from '../../src/lib/clock.js';
import { fileTransport, smtpTransport } from '../../src/mail/mail.transport.js';
import { createTestApp, show, TEST_SECRET, type TestApp, type TestChannel } from '../support/app.js';
import { addClinician, approveInConsole, createSession, signIn, submitSurvey } from '../support/shopper.js';

/** A real SMTP receiver in this process (issue 10 item 2): no mocked transport. */
async function startReceiver(options: { failFirst?: number } = {}) {
  const received: ParsedMail[] = [];
  let failures = options.failFirst ?? 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failures > 0) {
          failures -= 1;
          const error = Object.assign(new Error('mailbox busy, try later'), { responseCode: 451 });
          callback(error);
          return;
        }
        simpleParser(Buffer.concat(chunks)).then((parsed) => {
          received.push(parsed);
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('email through the outbox (issue 10 item 2)', () => {
  let t: TestApp;
  let channel: TestChannel;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  before(async () => {
    receiver = await startReceiver({ failFirst: 1 });
    t = await createTestApp({
      clock,
      env: { SMTP_URL: receiver.url, MAIL_FROM: 'Shop <care@shop.example>' },
    });
    channel = await t.channel({ live: true, name: 'Acme Wellness' });
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  it('sends the four messages once each, retrying a refused one, with no health information', async () => {
    const transport = smtpTransport(t.config.smtpUrl!);
    const approved = await createSession(t, channel, {
      customer_name: 'Mia Mail',
      email: 'mia@example.com',
      order_items: [{ sku: 'M-1', name: 'Massage gun', price: 100 }],
    });
    const details = 'Diagnosed with hypertension in 2019, taking lisinopril.';
    const submitted = await submitSurvey(t, approved, {
      email: 'mia@example.com',
      state: 'UT',
      date_of_birth: '1971-07-19',
      details,
    });
    assert.equal(submitted.statusCode, 200, show(submitted));
    const agent = await signIn(t, await addClinician(t, ['UT']));
    assert.equal((await approveInConsole(agent, approved.id, { sku: 'M-1' })).statusCode, 303);
    const rejected = await createSession(t, channel, {
      customer_name: 'Rex Reject',
      email: 'rex@example.com',
    });
    assert.equal(
      (
        await submitSurvey(t, rejected, {
          email: 'rex@example.com',
          state: 'UT',
          date_of_birth: '2012-02-02',
        })
      ).statusCode,
      200,
    );
    // The review loop of the console issue asks through the same outbox.
    const question = {
      kind: 'clinician_question',
      sessionId: approved.id,
      to: 'mia@example.com',
      event: 'q1',
    } as const;
    await transact(t.database, async (tx) => {
      assert.equal(await t.services.mail.enqueue(tx, question), true);
      assert.equal(await t.services.mail.enqueue(tx, question), false, 'one message per event');
    });

    // The receiver refuses the first message: it is kept and tried again later, not lost.
    assert.equal(await t.services.mail.sendDue(transport), 4);
    const rows = [
      ...(await t.services.mail.forSession(approved.id)),
      ...(await t.services.mail.forSession(rejected.id)),
    ];
    const pending = rows.filter((m) => m.status === 'pending');
    assert.equal(pending.length, 1, JSON.stringify(rows));
    assert.match(pending[0]!.last_error ?? '', /mailbox busy/);
    assert.equal(await t.services.mail.sendDue(transport), 0, 'not before its retry time');
    clock.advance(60_000);
    assert.equal(await t.services.mail.sendDue(transport), 1);
    assert.equal(await t.services.mail.sendDue(transport), 0, 'nothing is sent twice');
    transport.close();

    const subjects = receiver.received.map((m) => `${(m.to as { text: string }).text} ${m.subject}`).sort();
    assert.deepEqual(
      subjects,
      [
        'mia@example.com The clinician has a question',
        'mia@example.com We received your answers',
        'mia@example.com Your Letter of Medical Necessity is ready',
        'rex@example.com Your request was not approved',
        'rex@example.com We received your answers',
      ].sort(),
    );
    for (const message of receiver.received) {
      assert.deepEqual(message.from?.value, [{ address: 'care@shop.example', name: 'Shop' }]);
      const text = `${message.subject}\n${message.text}\n${message.html || ''}`;
      for (const secret of [
        '1971',
        '2012-02-02',
        'hypertension',
        'Hypertension',
        'blood pressure',
        'lisinopril',
        'I10',
        'Massage gun',
      ])
        assert.ok(!text.includes(secret), `an email contains ${secret}:\n${text}`);
    }
    const ready = receiver.received.find((m) => m.subject === 'Your Letter of Medical Necessity is ready')!;
    assert.match(ready.text ?? '', new RegExp(`http://qualify.test/q/${approved.id}\\?t=`));
    assert.match(ready.text ?? '', /Acme Wellness/);
    const no = receiver.received.find((m) => m.subject === 'Your request was not approved')!;
    assert.match(no.text ?? '', /You must be 18 or older/);
    // The link in the email leads to the patient check, never to the letter.
    const link = new URL(ready.text!.match(/http:\/\/qualify\.test\/q\/\S+/)![0]);
    const page = await t.app.inject({ method: 'GET', url: link.pathname + link.search });
    assert.equal(page.statusCode, 200, show(page));
    assert.match(page.body, /<label for="date_of_birth">Date of birth<\/label>/);
    assert.ok(!page.body.includes('Mia Mail'), show(page));
  });
});

describe('mail configuration and development files (issue 10 item 2)', () => {
  it('requires SMTP_URL in production unless MAIL_DISABLED=true', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qualify-mail-'));
    const base = { QUALIFY_ENV: 'production', QUALIFY_SECRET: TEST_SECRET };
    assert.throws(() => loadConfig(base, dir), /SMTP_URL is required when QUALIFY_ENV=production/);
    assert.equal(loadConfig({ ...base, MAIL_DISABLED: 'true' }, dir).mailDisabled, true);
    const smtps = 'smtps://u:p@mail.example:465';
    assert.equal(loadConfig({ ...base, SMTP_URL: smtps }, dir).smtpUrl, smtps);
    assert.throws(
      () => loadConfig({ ...base, SMTP_URL: 'http://mail.example' }, dir),
      /SMTP_URL must be an smtp/,
    );
  });

  it('writes each message as an owner-only .eml file and reports its path', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'qualify-mail-')), 'mail');
    const written: string[] = [];
    const transport = fileTransport(dir, (path) => written.push(path));
    await transport.send({
      messageId: '<mail_1@qualify.test>',
      from: 'Qualify <no-reply@qualify.test>',
      to: 'sam@example.com',
      subject: 'We received your answers',
      text: 'Hello',
    });
    assert.deepEqual(readdirSync(dir), ['mail_1@qualify.test.eml']);
    assert.deepEqual(written, [join(dir, 'mail_1@qualify.test.eml')]);
    assert.equal(statSync(written[0]!).mode & 0o777, 0o600);
    assert.match(readFileSync(written[0]!, 'utf8'), /Subject: We received your answers/);
  });
});
