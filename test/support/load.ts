import { migrate, openDatabase } from '../../src/db/database.js';
import { createServices } from '../../src/services.js';
import { testConfig } from './app.js';
import { type ConsoleSession, consoleSignIn, submitSurveyOver } from './http-flow.js';
import { type ProcessEnvOptions, request, showHttp } from './server-process.js';

/**
 * Write load on a running server, as real users make it: the merchant creates sessions, shoppers
 * submit surveys, a clinician approves (a letter) or rejects them with notes, and the server
 * delivers the webhooks. Used by the backup and secret-rotation tests.
 */
export interface LoadTarget {
  url: string;
  apiKey: string;
  console: ConsoleSession;
}

export const CLINICIAN = { email: 'load.clinician@example.com', password: 'load test password 1234' };

/**
 * A channel and the clinician the load signs in as, written straight into the database before a
 * server starts (spawning CLI commands for them costs seconds each on a busy machine).
 */
export async function seedLoad(options: ProcessEnvOptions): Promise<{ apiKey: string }> {
  const config = testConfig(options.databaseUrl, { QUALIFY_SECRET: options.secret });
  const database = openDatabase(config.databaseUrl);
  try {
    await migrate(database);
    const services = createServices(config, database);
    const channel = await services.channels.createChannel('Load', false);
    await services.clinicians.add({
      ...CLINICIAN,
      name: 'Dr. Load',
      npi: '1234567893',
      states: ['CA'],
      licenses: { CA: 'CA-LOAD-1' },
      sandbox: 'also',
    });
    return { apiKey: channel.api_key };
  } finally {
    await database.close();
  }
}

export async function loadTarget(url: string, apiKey: string): Promise<LoadTarget> {
  return { url, apiKey, console: await consoleSignIn(url, CLINICIAN.email, CLINICIAN.password) };
}

/** One session through its whole life; returns its id and outcome. Throws on any unexpected answer. */
export async function oneSession(
  target: LoadTarget,
  tag: string,
): Promise<{ id: string; redirectUrl: string; decision: 'approve' | 'reject' }> {
  const created = await request(target.url, 'POST', '/api/v1/qualification_session/create', {
    key: target.apiKey,
    body: {
      idempotency_key: `load-${tag}`,
      email: `${tag}@example.com`,
      order_items: [{ sku: 'BP-1', name: 'Blood pressure cuff', price: 5000, quantity: 1 }],
    },
  });
  if (created.status !== 200) throw new Error(`create ${tag}: ${showHttp(created)}`);
  const session = JSON.parse(created.text) as { qualification_session_id: string; redirect_url: string };
  const id = session.qualification_session_id;
  const submitted = await submitSurveyOver(target.url, session.redirect_url, `details of ${tag}`);
  if (submitted !== 200) throw new Error(`survey ${tag}: ${submitted}`);
  const decision = Number(tag.replace(/\D/g, '') || 0) % 3 === 2 ? 'reject' : 'approve';
  const fields =
    decision === 'approve'
      ? { sku: 'BP-1', validity_days: '365', note: `note on ${tag}` }
      : { reason: 'clinician_declined', note: `note on ${tag}` };
  const decided =
    decision === 'approve'
      ? await target.console.approve(id, fields)
      : await target.console.post(`/console/sessions/${id}/${decision}`, fields);
  if (decided !== 303) throw new Error(`${decision} ${tag}: ${decided}`);
  return { id, redirectUrl: session.redirect_url, decision };
}

export interface PreparedLoad {
  apiKey: string;
  endpointId: string;
  target: LoadTarget;
}

/** A webhook endpoint to `receiverUrl` and a signed-in console on a running server. */
export async function prepareLoad(
  serverUrl: string,
  apiKey: string,
  receiverUrl: string,
): Promise<PreparedLoad> {
  const endpoint = await request(serverUrl, 'POST', '/api/v1/webhook_endpoints', {
    key: apiKey,
    body: { url: receiverUrl },
  });
  if (endpoint.status !== 200) throw new Error(`webhook endpoint: ${showHttp(endpoint)}`);
  return {
    apiKey,
    endpointId: JSON.parse(endpoint.text).webhook_endpoint_id as string,
    target: await loadTarget(serverUrl, apiKey),
  };
}

export type FinishedSession = Awaited<ReturnType<typeof oneSession>>;

export interface RunningLoad {
  /** Sessions whose whole life is over, in order. */
  readonly done: FinishedSession[];
  /** Resolves once at least `count` sessions are done. */
  reach(count: number): Promise<void>;
  /** Lets the session in flight finish, then stops. */
  stop(): Promise<void>;
}

/** Sessions one after another until stopped; `between` runs after each (more writes of another kind). */
export function runLoad(
  target: LoadTarget,
  prefix: string,
  between: (index: number) => Promise<void> = async () => {},
): RunningLoad {
  const done: FinishedSession[] = [];
  let stopping = false;
  const loop = (async () => {
    for (let i = 0; !stopping; i++) {
      done.push(await oneSession(target, `${prefix}-${i}`));
      await between(i);
    }
  })();
  return {
    done,
    async reach(count) {
      while (done.length < count) {
        if (stopping) throw new Error('the load stopped');
        await Promise.race([loop, new Promise((resolve) => setTimeout(resolve, 50))]);
      }
    },
    async stop() {
      stopping = true;
      await loop;
    },
  };
}
