import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { formatCredentials, productionAccounts, seedFirstStart, startBanner } from './bootstrap.js';
import type { Config } from './config.js';
import { type Database, migrate, openDatabase } from './db/database.js';
import { systemClock } from './lib/clock.js';
import { dataFileWarnings } from './lib/private-files.js';
import { createRepositories, type Repositories } from './repositories.js';
import { type SealedUnder, verifyServiceSecret } from './secrets/key-check.js';
import { createServices, type Services } from './services.js';

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  address: string;
  stop(): Promise<void>;
}

export function openConfiguredDatabase(config: Config): Database {
  return openDatabase(config.databaseUrl, {
    poolSize: config.dbPoolSize,
    statementTimeoutMs: config.dbStatementTimeoutMs,
  });
}

export interface ReadyDatabase {
  database: Database;
  /** Migrations this call applied. */
  applied: string[];
  sealedUnder: SealedUnder;
  /** Built once here and handed to `createServices` (issue 9 item 1). */
  repositories: Repositories;
}

/**
 * What the server and every CLI command do first: open, migrate, and check that QUALIFY_SECRET is
 * the one the data was sealed under (issue 13 item 2). The database is closed again on failure.
 */
export async function openReadyDatabase(config: Config): Promise<ReadyDatabase> {
  const database = openConfiguredDatabase(config);
  try {
    const applied = await migrate(database);
    const repositories = createRepositories();
    const sealedUnder = await verifyServiceSecret(database, repositories.keyChecks, config, Date.now());
    return { database, applied, sealedUnder, repositories };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** `qualify serve`: migrate, seed an empty database, listen, and stop cleanly on SIGTERM/SIGINT. */
export async function startServer(config: Config): Promise<RunningServer> {
  // issue 9 item 3 — imported here rather than at the top: CLI commands import this module for
  // openConfiguredDatabase and must not load the web stack; the webhook sender (undici) is loaded
  // after the server listens.
  const [{ default: createLogger }, { buildApp, loggerOptions }] = await Promise.all([
    import('pino'),
    import('./app.js'),
  ]);
  const logger = createLogger(loggerOptions(config.logLevel) as pino.LoggerOptions);
  const { database, applied, sealedUnder, repositories } = await openReadyDatabase(config);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  if (sealedUnder === 'previous')
    logger.warn('the data is sealed under a previous secret: run `qualify secret rotate` (issue 13)');

  const services = createServices(config, database, systemClock, repositories);
  const credentials = await seedFirstStart(services);
  if (credentials) process.stdout.write(`${formatCredentials(credentials, config.publicUrl)}\n`);
  const accountsNotice = await productionAccounts(services);
  if (accountsNotice) process.stdout.write(`${accountsNotice}\n`);

  const app = await buildApp({ services, logger });
  const address = await app.listen({ port: config.port, host: config.host });
  logger.info({ address, engine: database.engine }, 'qualify listening');
  process.stdout.write(`${startBanner(config, address)}\n`);
  // Issue 13 item 4 — files others can read are reported, not silently changed.
  for (const warning of dataFileWarnings(config))
    logger.warn({ file: warning }, 'data file readable by others');
  // SPEC §3.4 — the dispatcher runs in the server process, woken by every commit that queues a delivery.
  const { createWebhookRuntime } = await import('./webhooks/runtime.js');
  const webhooks = createWebhookRuntime(services, {
    logger: logger.child({ component: 'webhooks' }),
    leaseMs: config.webhookLeaseMs,
  });
  // Issue 9 item 5 — on PostgreSQL, other instances' commits wake this dispatcher too.
  await services.notifications.start(logger.child({ component: 'notifications' }));
  webhooks.dispatcher.start();
  // The id recorded with every delivery attempt and lease (SPEC §3.4): which instance sent what.
  logger.info({ instance: webhooks.dispatcher.instanceId }, 'webhook dispatcher started');
  // Issue 10 item 2 — the shopper's emails, sent after commit from the mail outbox.
  const mailer = config.mailDisabled ? undefined : await startMailer(services, logger);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await app.close();
      await webhooks.stop();
      await mailer?.stop();
      await services.notifications.close();
      await database.close();
    })();
    return stopping;
  };
  return { app, services, address, stop };
}

/** SMTP when `SMTP_URL` is set; otherwise (development) `.eml` files under ./data/mail, each path logged. */
async function startMailer(services: Services, logger: pino.Logger) {
  const [{ MailDispatcher }, { fileTransport, smtpTransport }, { join }] = await Promise.all([
    import('./mail/mail.dispatcher.js'),
    import('./mail/mail.transport.js'),
    import('node:path'),
  ]);
  const { config } = services;
  const log = logger.child({ component: 'mail' });
  const transport = config.smtpUrl
    ? smtpTransport(config.smtpUrl)
    : fileTransport(join(config.dataDir, 'mail'), (file) => log.info({ file }, 'mail written'));
  const dispatcher = new MailDispatcher({
    mail: services.mail,
    transport,
    onError: (error) => log.error({ err: error }, 'mail outbox pass failed'),
  });
  dispatcher.start();
  log.info({ transport: config.smtpUrl ? 'smtp' : 'files' }, 'mail dispatcher started');
  return dispatcher;
}
