import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import { html } from './html.js';
import { messagePage, page } from './layout.js';
import { sendHtml } from './reply.js';

export interface FrontDoorFacts {
  env: string;
  engine: string;
  publicUrl: string;
  /** Whether the merchant dashboard is served by this build (`/dashboard`). */
  dashboard: boolean;
}

/** Issue 14 item 4 — `/`: what this instance is and where everything lives. No data, no secrets. */
export function frontDoorPage(facts: FrontDoorFacts): string {
  const development = facts.env !== 'production';
  const body = html`<h1>Qualify</h1>
<p>A self-hosted service for HSA/FSA <strong>qualification sessions</strong>: a merchant creates a
session through the API, the shopper answers a short health survey here, a licensed clinician
reviews it and issues a Letter of Medical Necessity, and the merchant hears back by signed webhook.</p>
<div class="card">
<dl>
<dt>Environment</dt><dd>${facts.env}</dd>
<dt>Database</dt><dd>${facts.engine === 'postgres' ? 'PostgreSQL' : 'SQLite'}</dd>
<dt>Public URL</dt><dd>${facts.publicUrl}</dd>
</dl>
</div>
<h2>For merchants' developers</h2>
<ul>
<li><a href="/docs">API reference (/docs)</a>: every call, with examples you can send from the page</li>
<li><a href="/openapi.json">OpenAPI document (/openapi.json)</a>, from which the typed client <code>@qualify/client</code> is generated</li>
${facts.dashboard ? html`<li><a href="/dashboard">Merchant dashboard (/dashboard)</a>: sessions and webhooks of a sales channel</li>` : ''}
</ul>
${
  development
    ? html`<p class="notice"><strong>Development:</strong> the API key of the test-mode "Sandbox"
channel was printed once, in the terminal output of the first <code>npm start</code>
(<code>qualify serve</code>) on this database, with the demo clinician's sign-in. Lost it? Make
another with <code>npx qualify key create --channel &lt;sales_channel_id&gt;</code>
(<code>npx qualify channel list</code> shows the ids).</p>`
    : ''
}
<h2>For people</h2>
<ul>
<li><a href="/console">Clinician console (/console)</a>: review queue and decisions</li>
<li><a href="/verify">Verify a letter (/verify)</a>: check a Letter of Medical Necessity by its code</li>
</ul>
<h2>For operators</h2>
<ul>
<li><a href="/healthz">/healthz</a>: the process is up</li>
<li><a href="/readyz">/readyz</a>: the database answers</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
</ul>`;
  return page('Qualify', body);
}

/** A browser asking for a page (Accept names text/html); API clients get the flat JSON error. */
export function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  if (typeof accept !== 'string') return false;
  return accept.split(',').some((part) => part.split(';')[0]?.trim().toLowerCase() === 'text/html');
}

/** The 404 page a browser gets for an unknown path. */
export function sendNotFoundPage(reply: FastifyReply, path: string): FastifyReply {
  return sendHtml(
    reply,
    404,
    messagePage(
      'Page not found',
      html`There is nothing at <code>${path}</code>. <a href="/">Start here</a>.`,
    ),
  );
}

export const frontDoorRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  let dashboard: boolean | undefined;
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    // Known once every plugin has registered its routes; the dashboard may not exist in this build.
    dashboard ??= app.hasRoute({ method: 'GET', url: '/dashboard' });
    return sendHtml(
      reply,
      200,
      frontDoorPage({
        env: services.config.env,
        engine: services.database.engine,
        publicUrl: services.config.publicUrl,
        dashboard,
      }),
    );
  });
};
