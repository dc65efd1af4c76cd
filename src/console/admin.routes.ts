import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { html } from '../html/html.js';
import { sendHtml } from '../html/reply.js';
import type { Services } from '../services.js';
import { accountFormPage, accountsPage, auditPage } from './admin.views.js';
import type { ClinicianRow } from './clinicians.repository.js';
import { ClinicianInputError, type ClinicianSummary } from './clinicians.service.js';
import { AccountForm, type AccountValues } from './console.forms.js';
import { consoleHttp, type SignedIn } from './console-http.js';

const AccountParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const AuditQuery = Type.Object({
  clinician: Type.Optional(Type.String({ maxLength: 64 })),
  session: Type.Optional(Type.String({ maxLength: 64 })),
  before: Type.Optional(Type.Integer({ minimum: 1 })),
});
const AUDIT_PAGE = 100;

const inputOf = (a: ClinicianSummary): Partial<Record<keyof AccountValues, string>> => ({
  email: a.email,
  name: a.name,
  credentials: a.credentials,
  npi: a.npi,
  states: a.states.join(','),
  licenses: Object.entries(a.licenses)
    .map(([state, number]) => `${state}=${number}`)
    .join('\n'),
  practice_address: a.practice_address ?? '',
  role: a.role,
  sandbox: a.sandbox,
});

/** `CA=A12345` lines (or comma-separated) → state → number; a line without `=` is kept for the service to refuse. */
function licensesOf(text: string): Record<string, string> {
  const licenses: Record<string, string> = {};
  for (const entry of text.split(/[\n,]/)) {
    const trimmed = entry.trim();
    if (trimmed === '') continue;
    const at = trimmed.indexOf('=');
    licenses[(at === -1 ? trimmed : trimmed.slice(0, at)).trim().toUpperCase()] =
      at === -1 ? '' : trimmed.slice(at + 1).trim();
  }
  return licenses;
}

/** Issue 11 items 1 and 7 — admins manage accounts and read the audit log in the console. */
export const adminRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { clinicians, audit } = services;
  const { adminGet, adminPost } = consoleHttp(services);

  const showAccount = async (
    reply: FastifyReply,
    context: SignedIn,
    id: string,
    status: number,
    extra: {
      error?: string;
      notice?: ReturnType<typeof html> | string;
      input?: Partial<Record<keyof AccountValues, string>>;
    } = {},
  ) => {
    const row = await clinicians.find(id);
    if (!row) return reply.callNotFound();
    const account = (await clinicians.list()).find((a) => a.clinician_id === row.id)!;
    return sendHtml(
      reply,
      status,
      accountFormPage({
        admin: context.clinician,
        csrf: context.csrf,
        account,
        input: extra.input ?? inputOf(account),
        ...(extra.error ? { error: extra.error } : {}),
        ...(extra.notice ? { notice: extra.notice } : {}),
      }),
    );
  };

  app.get<{ Querystring: { done?: string } }>(
    '/console/admin/clinicians',
    { schema: { hide: true } },
    async (request, reply) => {
      const context = await adminGet(request, reply);
      if (!context) return reply;
      return sendHtml(
        reply,
        200,
        accountsPage({ admin: context.clinician, csrf: context.csrf, accounts: await clinicians.list() }),
      );
    },
  );

  app.get('/console/admin/clinicians/new', { schema: { hide: true } }, async (request, reply) => {
    const context = await adminGet(request, reply);
    if (!context) return reply;
    return sendHtml(
      reply,
      200,
      accountFormPage({
        admin: context.clinician,
        csrf: context.csrf,
        input: { role: 'clinician', sandbox: 'none', credentials: 'MD' },
      }),
    );
  });

  app.post('/console/admin/clinicians', { schema: { hide: true } }, async (request, reply) => {
    const context = await adminPost(request, reply);
    if (!context) return reply;
    const form = AccountForm.parse(request.body);
    const fail = (error: string) =>
      sendHtml(
        reply,
        422,
        accountFormPage({ admin: context.clinician, csrf: context.csrf, input: form.input, error }),
      );
    if (!form.ok) return fail(Object.values(form.errors).join(' '));
    const v = form.values;
    try {
      const created = await clinicians.add(
        {
          email: v.email,
          name: v.name,
          npi: v.npi,
          credentials: v.credentials,
          states: v.states.split(','),
          licenses: licensesOf(v.licenses),
          practiceAddress: v.practice_address,
          role: v.role,
          sandbox: v.sandbox,
        },
        { type: 'clinician', id: context.clinician.id },
      );
      // No password is ever shown: the new account chooses one through a reset link.
      const reset = await clinicians.startPasswordReset(created.clinician_id, {
        type: 'clinician',
        id: context.clinician.id,
      });
      return showAccount(reply, context, created.clinician_id, 201, {
        notice: html`Account added. Send this one-time link to ${created.email} to choose a password (valid for one hour): <code>${resetLink(reset.token)}</code>`,
      });
    } catch (error) {
      if (error instanceof ClinicianInputError) return fail(error.message);
      throw error;
    }
  });

  const resetLink = (token: string) => `${services.config.publicUrl}/console/reset/${token}`;

  app.get(
    '/console/admin/clinicians/:id',
    { schema: { hide: true, params: AccountParams } },
    async (request, reply) => {
      const context = await adminGet(request, reply);
      if (!context) return reply;
      return showAccount(reply, context, request.params.id, 200);
    },
  );

  app.post(
    '/console/admin/clinicians/:id',
    { schema: { hide: true, params: AccountParams } },
    async (request, reply) => {
      const context = await adminPost(request, reply);
      if (!context) return reply;
      const form = AccountForm.parse(request.body);
      if (!form.ok)
        return showAccount(reply, context, request.params.id, 422, {
          input: form.input,
          error: Object.values(form.errors).join(' '),
        });
      const v = form.values;
      try {
        await clinicians.edit(
          request.params.id,
          {
            name: v.name,
            credentials: v.credentials,
            npi: v.npi,
            states: v.states.split(','),
            licenses: licensesOf(v.licenses),
            practiceAddress: v.practice_address,
            role: v.role,
            sandbox: v.sandbox,
          },
          { type: 'clinician', id: context.clinician.id },
        );
      } catch (error) {
        if (error instanceof ClinicianInputError)
          return showAccount(reply, context, request.params.id, 422, {
            input: form.input,
            error: error.message,
          });
        throw error;
      }
      return showAccount(reply, context, request.params.id, 200, { notice: 'Changes saved.' });
    },
  );

  for (const action of ['disable', 'enable'] as const) {
    app.post(
      `/console/admin/clinicians/:id/${action}`,
      { schema: { hide: true, params: AccountParams } },
      async (request, reply) => {
        const context = await adminPost(request, reply);
        if (!context) return reply;
        try {
          await clinicians.setDisabled(request.params.id, action === 'disable', {
            type: 'clinician',
            id: context.clinician.id,
          });
        } catch (error) {
          if (error instanceof ClinicianInputError)
            return showAccount(reply, context, request.params.id, 422, { error: error.message });
          throw error;
        }
        return showAccount(reply, context, request.params.id, 200, {
          notice:
            action === 'disable' ? 'Account disabled; its open sessions have ended.' : 'Account enabled.',
        });
      },
    );
  }

  app.post(
    '/console/admin/clinicians/:id/reset',
    { schema: { hide: true, params: AccountParams } },
    async (request, reply) => {
      const context = await adminPost(request, reply);
      if (!context) return reply;
      const target: ClinicianRow | undefined = await clinicians.find(request.params.id);
      if (!target) return reply.callNotFound();
      const reset = await clinicians.startPasswordReset(target.id, {
        type: 'clinician',
        id: context.clinician.id,
      });
      return showAccount(reply, context, target.id, 200, {
        notice: html`One-time password-reset link for ${target.email} (valid for one hour): <code>${resetLink(reset.token)}</code>`,
      });
    },
  );

  app.get(
    '/console/admin/audit',
    { schema: { hide: true, querystring: AuditQuery } },
    async (request, reply) => {
      const context = await adminGet(request, reply);
      if (!context) return reply;
      const clinician = request.query.clinician?.trim() ?? '';
      const session = request.query.session?.trim() ?? '';
      const rows = await audit.search(
        {
          ...(clinician ? { actorId: clinician } : {}),
          ...(session ? { subjectId: session } : {}),
          ...(request.query.before ? { beforeSeq: request.query.before } : {}),
        },
        AUDIT_PAGE,
      );
      await audit.record({
        actorType: 'clinician',
        actorId: context.clinician.id,
        action: 'audit.view',
        details: { clinician: clinician || null, session: session || null },
      });
      const last = rows.at(-1);
      const next =
        rows.length === AUDIT_PAGE && last
          ? `/console/admin/audit?${new URLSearchParams({ clinician, session, before: String(last.seq) })}`
          : undefined;
      return sendHtml(
        reply,
        200,
        auditPage({
          admin: context.clinician,
          csrf: context.csrf,
          rows,
          clinician,
          session,
          ...(next ? { next } : {}),
        }),
      );
    },
  );
};
