import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { Type } from 'typebox';
import { OperatorError } from '../channels/channels.service.js';
import { messagePage } from '../html/layout.js';
import { redirectAfterPost, sendHtml } from '../html/reply.js';
import { useSecurityHeaders } from '../http/security-headers.js';
import { DAY_MS } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { randomToken } from '../lib/ids.js';
import type { Services } from '../services.js';
import { pagination } from '../sessions/sessions.presenter.js';
import type { ListSessionsQuery, QualificationSession } from '../sessions/sessions.schemas.js';
import { SESSION_STATUSES } from '../sessions/sessions.vocabulary.js';
import { EVENT_TYPE_NAMES, type EventType } from '../webhooks/event-types.js';
import { presentEndpoint } from '../webhooks/webhooks.presenter.js';
import { DELIVERY_STATUSES, type DeliveryStatus, type WebhookMode } from '../webhooks/webhooks.vocabulary.js';
import {
  CodeForm,
  CsrfForm,
  EndpointForm,
  MemberForm,
  RedeliverForm,
  RotateForm,
  SetPasswordForm,
  SignInForm,
} from './dashboard.forms.js';
import {
  accountPage,
  codePage,
  type DeliveryFilters,
  endpointPage,
  enrolPage,
  type Frame,
  keysPage,
  noChannelPage,
  overviewPage,
  recoveryCodesPage,
  type SessionFilters,
  sessionPage,
  sessionsPage,
  setPasswordPage,
  signInPage,
  usersPage,
  webhooksPage,
} from './dashboard.views.js';
import { allows, type DashboardPermission } from './dashboard.vocabulary.js';
import {
  type DashboardContext,
  type Membership,
  type MfaPending,
  sameToken,
} from './dashboard-auth.service.js';

const SESSION_COOKIE = 'qualify_dashboard';
/** Double-submit token of the sign-in form, which has no session yet. */
const SIGN_IN_COOKIE = 'qualify_dashboard_sign_in';

type SignedIn = Extract<DashboardContext, { state: 'signed_in' }>;

/** Issue 12 item 1 — the console's words (issue 11 item 3), whether or not the password typed was right. */
const LOCKED_MESSAGE = 'Too many failed sign-ins. Try again in 15 minutes.';
const WRONG_CODE = 'That code is not right. Try the newest code in your app, or a recovery code.';
const WRONG_FIRST_CODE = 'That code is not right. Check the time on your phone and try the newest code.';
const REPLAYED_CODE = 'That code was used already. Wait for the next code in your app.';

/** A post whose CSRF token does not match its session: a plain 403 page, with what to do next. */
function formExpired(reply: FastifyReply, advice?: string): FastifyReply {
  return sendHtml(
    reply,
    403,
    messagePage('Form expired', advice ? `This form has expired. ${advice}` : 'This form has expired.'),
  );
}

const ChannelParams = Type.Object({ channel: Type.String() });
const ChannelItemParams = Type.Object({ channel: Type.String(), id: Type.String() });

const require = createRequire(import.meta.url);
/** Chart.js's UMD build from node_modules (never a CDN): read once, on first request. */
let chartJs: Buffer | undefined;
const chartLibrary = () => {
  chartJs ??= readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'));
  return chartJs;
};
let pageScript: Buffer | undefined;
const dashboardScript = () => {
  pageScript ??= readFileSync(new URL('./assets/dashboard.js', import.meta.url));
  return pageScript;
};

const CSV_COLUMNS = [
  'qualification_session_id',
  'status',
  'created_at',
  'updated_at',
  'email',
  'customer_name',
  'user_id',
  'source',
  'skus_param',
  'eligible_amount',
  'expires_at',
  'lmn_reviewed_at',
  'rejection_reason',
  'livemode',
] as const satisfies readonly (keyof QualificationSession)[];

/** One CSV field: quoted when needed; a leading = + - @ is defused so a spreadsheet never runs it. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The list API's filters, from the page's query (blank fields are no filter). */
function sessionFilters(query: Record<string, string | undefined>): SessionFilters {
  const filters: SessionFilters = {};
  const status = query.status?.trim();
  if (status && (SESSION_STATUSES as readonly string[]).includes(status)) filters.status = status;
  for (const key of ['user_id', 'search', 'expires_at'] as const) {
    const value = query[key]?.trim();
    if (value) filters[key] = value.slice(0, 255);
  }
  return filters;
}

/** Issue 12 — the merchant dashboard under /dashboard: its own cookie, CSRF like the console. */
export const dashboardRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  useSecurityHeaders(fastify, 'dashboard', { hsts: services.config.publicUrl.startsWith('https:') });
  const { dashboardAuth, sessions, sessionActivity, webhookEndpoints, webhookDeliveries, channels, stats } =
    services;
  const secure = services.config.publicUrl.startsWith('https:');
  const cookieOptions = { path: '/dashboard', httpOnly: true, sameSite: 'lax' as const, secure };

  const signInForm = (
    reply: FastifyReply,
    status: number,
    options: { email?: string; error?: string; notice?: string },
  ) => {
    const csrf = randomToken(24);
    reply.setCookie(SIGN_IN_COOKIE, csrf, { ...cookieOptions, maxAge: 3600 });
    return sendHtml(reply, status, signInPage({ email: options.email ?? '', csrf, ...options }));
  };

  const signedIn = async (request: FastifyRequest, reply: FastifyReply): Promise<SignedIn | undefined> => {
    const context = await dashboardAuth.resolve(request.cookies[SESSION_COOKIE]);
    if (context.state === 'signed_in') return context;
    if (context.state === 'mfa_pending') {
      redirectAfterPost(reply, '/dashboard/mfa');
      return undefined;
    }
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    redirectAfterPost(reply, context.state === 'expired' ? '/dashboard?expired=1' : '/dashboard');
    return undefined;
  };

  /** The sign-in waiting for its code; a finished or absent one goes where it belongs. */
  const pendingCode = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<MfaPending | undefined> => {
    const context = await dashboardAuth.resolve(request.cookies[SESSION_COOKIE]);
    if (context.state === 'mfa_pending') return context;
    if (context.state !== 'signed_in') reply.clearCookie(SESSION_COOKIE, cookieOptions);
    redirectAfterPost(reply, '/dashboard');
    return undefined;
  };

  /** The enrolment page: a pending secret as an inline SVG QR code and as text (undefined once enrolled). */
  const enrolment = async (
    reply: FastifyReply,
    status: number,
    context: { user: SignedIn['user']; csrf: string },
    signingIn: boolean,
    error?: string,
  ) => {
    const pending = await dashboardAuth.beginEnrolment(context.user);
    if (!pending) return redirectAfterPost(reply, signingIn ? '/dashboard' : '/dashboard/account');
    const qrSvg = await QRCode.toString(pending.uri, { type: 'svg', margin: 1, width: 200 });
    return sendHtml(
      reply,
      status,
      enrolPage({
        csrf: context.csrf,
        secret: pending.secret,
        qrSvg,
        signingIn,
        ...(error ? { error } : {}),
      }),
    );
  };

  const notFound = (reply: FastifyReply) =>
    sendHtml(reply, 404, messagePage('Not found', 'There is no such page in your sales channels.'));

  /** Signed in and a member of the channel in the URL (else 404: another channel does not exist for you). */
  const frameFor = async (
    request: FastifyRequest<{ Params: { channel: string } }>,
    reply: FastifyReply,
    context?: SignedIn,
  ): Promise<Frame | undefined> => {
    const signed = context ?? (await signedIn(request, reply));
    if (!signed) return undefined;
    const current = signed.memberships.find((m) => m.channel.id === request.params.channel);
    if (!current) {
      notFound(reply);
      return undefined;
    }
    return { email: signed.user.email, csrf: signed.csrf, memberships: signed.memberships, current };
  };

  /** A POST: signed in, CSRF token matches, member of the channel with the permission (else 403). */
  const framePost = async (
    request: FastifyRequest<{ Params: { channel: string } }>,
    reply: FastifyReply,
    permission: DashboardPermission,
  ): Promise<Frame | undefined> => {
    const context = await signedIn(request, reply);
    if (!context) return undefined;
    if (!sameToken(CsrfForm.parse(request.body).input._csrf, context.csrf)) {
      formExpired(reply, 'Go back, reload the page and try again.');
      return undefined;
    }
    const frame = await frameFor(request, reply, context);
    if (!frame) return undefined;
    if (!allows(frame.current.role, permission)) {
      sendHtml(reply, 403, messagePage('Not allowed', `Your role (${frame.current.role}) may not do this.`));
      return undefined;
    }
    return frame;
  };

  /** The message of a refusal the merchant can act on (validation, not found); anything else is thrown. */
  const refusal = (error: unknown): string => {
    if (error instanceof ApiError && (error.statusCode === 400 || error.statusCode === 404))
      return error.message;
    if (error instanceof OperatorError) return error.message;
    throw error;
  };

  // Assets: the chart library and the page script, same origin (CSP script-src 'self').
  app.get('/dashboard/assets/chart.js', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .header('cache-control', 'public, max-age=86400')
      .type('text/javascript; charset=utf-8')
      .send(chartLibrary()),
  );
  app.get('/dashboard/assets/dashboard.js', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .header('cache-control', 'public, max-age=3600')
      .type('text/javascript; charset=utf-8')
      .send(dashboardScript()),
  );

  // Sign-in, sign-out, set password.

  app.get<{ Querystring: { expired?: string } }>(
    '/dashboard',
    { schema: { hide: true } },
    async (request, reply) => {
      const context = await dashboardAuth.resolve(request.cookies[SESSION_COOKIE]);
      if (context.state === 'mfa_pending') return redirectAfterPost(reply, '/dashboard/mfa');
      if (context.state === 'signed_in') {
        const first = context.memberships[0];
        if (!first) return sendHtml(reply, 200, noChannelPage(context.user.email, context.csrf));
        return redirectAfterPost(reply, `/dashboard/c/${encodeURIComponent(first.channel.id)}`);
      }
      const notice =
        request.query.expired !== undefined
          ? 'You were signed out after a while without activity.'
          : undefined;
      return signInForm(reply, 200, notice ? { notice } : {});
    },
  );

  app.post('/dashboard/sign-in', { schema: { hide: true } }, async (request, reply) => {
    const { _csrf, email = '', password = '' } = SignInForm.parse(request.body).input;
    const expected = request.cookies[SIGN_IN_COOKIE];
    if (!expected || !sameToken(_csrf, expected))
      return signInForm(reply, 403, { email, error: 'The form expired. Please sign in again.' });
    const result = await dashboardAuth.signIn(email, password, request.ip);
    // While locked, one plain answer whatever was typed.
    if (result.state === 'locked') return signInForm(reply, 429, { email, error: LOCKED_MESSAGE });
    if (result.state !== 'signed_in')
      return signInForm(reply, 401, { email, error: 'Email or password is incorrect.' });
    reply.clearCookie(SIGN_IN_COOKIE, cookieOptions);
    reply.setCookie(SESSION_COOKIE, result.token, cookieOptions);
    return redirectAfterPost(reply, result.next === 'mfa' ? '/dashboard/mfa' : '/dashboard');
  });

  // Issue 12 item 1 — the "Authentication code" step, or the enrolment an owner must make first.

  app.get('/dashboard/mfa', { schema: { hide: true } }, async (request, reply) => {
    const context = await pendingCode(request, reply);
    if (!context) return reply;
    if (!context.enrolled) return enrolment(reply, 200, context, true);
    return sendHtml(reply, 200, codePage({ csrf: context.csrf }));
  });

  app.post('/dashboard/mfa', { schema: { hide: true } }, async (request, reply) => {
    const context = await pendingCode(request, reply);
    if (!context) return reply;
    const { _csrf, code = '' } = CodeForm.parse(request.body).input;
    if (!sameToken(_csrf, context.csrf)) return formExpired(reply, 'Sign in again.');
    if (!context.enrolled) {
      const result = await dashboardAuth.confirmEnrolment(context, code, request.ip);
      if (result.kind === 'ok') return sendHtml(reply, 200, recoveryCodesPage(result.recoveryCodes));
      if (result.kind === 'locked')
        return sendHtml(reply, 429, messagePage('Sign-in refused', LOCKED_MESSAGE));
      return enrolment(reply, 401, context, true, WRONG_FIRST_CODE);
    }
    const result = await dashboardAuth.verifyCode(context, code, request.ip);
    if (result === 'ok') return redirectAfterPost(reply, '/dashboard');
    if (result === 'locked')
      return sendHtml(reply, 429, codePage({ csrf: context.csrf, error: LOCKED_MESSAGE }));
    const error = result === 'replayed' ? REPLAYED_CODE : WRONG_CODE;
    return sendHtml(reply, 401, codePage({ csrf: context.csrf, error }));
  });

  // Issue 12 item 1 — the user's own account page: two-step sign-in, optional unless required.

  app.get('/dashboard/account', { schema: { hide: true } }, async (request, reply) => {
    const context = await signedIn(request, reply);
    if (!context) return reply;
    const status = await dashboardAuth.secondFactor(context.user);
    return sendHtml(reply, 200, accountPage({ email: context.user.email, csrf: context.csrf, ...status }));
  });

  app.get('/dashboard/account/two-step', { schema: { hide: true } }, async (request, reply) => {
    const context = await signedIn(request, reply);
    if (!context) return reply;
    return enrolment(reply, 200, context, false);
  });

  app.post('/dashboard/account/two-step', { schema: { hide: true } }, async (request, reply) => {
    const context = await signedIn(request, reply);
    if (!context) return reply;
    const { _csrf, code = '' } = CodeForm.parse(request.body).input;
    if (!sameToken(_csrf, context.csrf)) return formExpired(reply, 'Go back and try again.');
    const result = await dashboardAuth.confirmEnrolment(context, code, request.ip);
    if (result.kind === 'ok') return sendHtml(reply, 200, recoveryCodesPage(result.recoveryCodes));
    if (result.kind === 'locked') return sendHtml(reply, 429, messagePage('Refused', LOCKED_MESSAGE));
    return enrolment(reply, 401, context, false, WRONG_FIRST_CODE);
  });

  app.post('/dashboard/account/two-step/off', { schema: { hide: true } }, async (request, reply) => {
    const context = await signedIn(request, reply);
    if (!context) return reply;
    const { _csrf, code = '' } = CodeForm.parse(request.body).input;
    if (!sameToken(_csrf, context.csrf)) return formExpired(reply, 'Go back and try again.');
    const result = await dashboardAuth.turnOffSecondFactor(context, code, request.ip);
    const status = await dashboardAuth.secondFactor(context.user);
    const show = (code: number, text: { error?: string; notice?: string }) =>
      sendHtml(
        reply,
        code,
        accountPage({ email: context.user.email, csrf: context.csrf, ...status, ...text }),
      );
    if (result === 'ok') return show(200, { notice: 'Two-step sign-in is off.' });
    if (result === 'required')
      return show(403, { error: 'As an owner you cannot turn two-step sign-in off.' });
    if (result === 'locked') return show(429, { error: LOCKED_MESSAGE });
    return show(401, { error: result === 'replayed' ? REPLAYED_CODE : WRONG_CODE });
  });

  app.post('/dashboard/sign-out', { schema: { hide: true } }, async (request, reply) => {
    // Also from the code step ("Cancel and sign out").
    const context = await dashboardAuth.resolve(request.cookies[SESSION_COOKIE]);
    if (context.state !== 'signed_in' && context.state !== 'mfa_pending') {
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return redirectAfterPost(reply, '/dashboard');
    }
    if (!sameToken(CsrfForm.parse(request.body).input._csrf, context.csrf)) return formExpired(reply);
    await dashboardAuth.signOut(context.tokenHash, context.user.id);
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return redirectAfterPost(reply, '/dashboard');
  });

  app.get<{ Querystring: { token?: string } }>(
    '/dashboard/set-password',
    { schema: { hide: true } },
    async (request, reply) => {
      const token = request.query.token ?? '';
      const user = await dashboardAuth.passwordLinkUser(token);
      if (!user)
        return sendHtml(
          reply,
          404,
          messagePage('Link not valid', 'This link was used already or has expired. Ask for a new one.'),
        );
      return sendHtml(reply, 200, setPasswordPage({ email: user.email, token }));
    },
  );

  app.post('/dashboard/set-password', { schema: { hide: true } }, async (request, reply) => {
    const { token = '', password = '' } = SetPasswordForm.parse(request.body).input;
    const user = await dashboardAuth.passwordLinkUser(token);
    if (!user)
      return sendHtml(
        reply,
        404,
        messagePage('Link not valid', 'This link was used already or has expired. Ask for a new one.'),
      );
    try {
      await dashboardAuth.setPassword(token, password);
    } catch (error) {
      return sendHtml(reply, 422, setPasswordPage({ email: user.email, token, error: refusal(error) }));
    }
    return signInForm(reply, 200, { email: user.email, notice: 'Your password is set. Sign in.' });
  });

  // Overview.

  app.get<{ Params: { channel: string }; Querystring: { days?: string } }>(
    '/dashboard/c/:channel',
    { schema: { hide: true, params: ChannelParams } },
    async (request, reply) => {
      const frame = await frameFor(request, reply);
      if (!frame) return reply;
      const days = [7, 30, 90].includes(Number(request.query.days)) ? Number(request.query.days) : 30;
      const today = new Date(services.clock.now()).toISOString().slice(0, 10);
      const from = new Date(services.clock.now() - (days - 1) * DAY_MS).toISOString().slice(0, 10);
      const series = await stats.forChannel(frame.current.channel.id, from, today);
      return sendHtml(reply, 200, overviewPage(frame, series, days));
    },
  );

  // Sessions.

  const otherMode = (frame: Frame): Membership | undefined => {
    const others = frame.memberships.filter((m) => m.channel.livemode !== frame.current.channel.livemode);
    return others.find((m) => m.channel.name === frame.current.channel.name) ?? others[0];
  };

  app.get<{ Params: { channel: string }; Querystring: Record<string, string | undefined> }>(
    '/dashboard/c/:channel/sessions',
    { schema: { hide: true, params: ChannelParams } },
    async (request, reply) => {
      const frame = await frameFor(request, reply);
      if (!frame) return reply;
      const filters = sessionFilters(request.query);
      const page = Math.min(Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1), 1_000_000);
      const query: ListSessionsQuery = { ...filters, page, page_size: 50 };
      try {
        const list = await sessions.list(frame.current.channel, query);
        return sendHtml(reply, 200, sessionsPage(frame, filters, list, otherMode(frame)));
      } catch (error) {
        const empty = {
          qualification_sessions: [],
          pagination: pagination(1, 50, 0),
        };
        return sendHtml(reply, 400, sessionsPage(frame, filters, empty, otherMode(frame), refusal(error)));
      }
    },
  );

  app.get<{ Params: { channel: string }; Querystring: Record<string, string | undefined> }>(
    '/dashboard/c/:channel/sessions.csv',
    { schema: { hide: true, params: ChannelParams } },
    async (request, reply) => {
      const frame = await frameFor(request, reply);
      if (!frame) return reply;
      const filters = sessionFilters(request.query);
      const batches = sessions.export(frame.current.channel, filters);
      // Fails before the first byte when the filter is not valid (a bad date).
      let first: IteratorResult<QualificationSession[]>;
      try {
        first = await batches.next();
      } catch (error) {
        return sendHtml(reply, 400, messagePage('Not valid', refusal(error)));
      }
      async function* lines() {
        yield `${CSV_COLUMNS.join(',')}\r\n`;
        let batch = first;
        while (!batch.done) {
          yield batch.value.map((s) => `${CSV_COLUMNS.map((c) => csvField(s[c])).join(',')}\r\n`).join('');
          batch = await batches.next();
        }
      }
      const name = `sessions-${frame.current.channel.id}-${new Date(services.clock.now()).toISOString().slice(0, 10)}.csv`;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(Readable.from(lines()));
    },
  );

  const showSession = async (
    reply: FastifyReply,
    frame: Frame,
    id: string,
    status = 200,
    message?: { notice?: string; error?: string },
  ) => {
    let session: QualificationSession;
    try {
      session = await sessions.retrieve(frame.current.channel, id);
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 404) return notFound(reply);
      throw error;
    }
    const activity = await sessionActivity.activity(frame.current.channel.id, id);
    return sendHtml(reply, status, sessionPage(frame, session, activity, message));
  };

  app.get<{ Params: { channel: string; id: string }; Querystring: { redelivered?: string } }>(
    '/dashboard/c/:channel/sessions/:id',
    { schema: { hide: true, params: ChannelItemParams } },
    async (request, reply) => {
      const frame = await frameFor(request, reply);
      if (!frame) return reply;
      const redelivered = request.query.redelivered;
      return showSession(
        reply,
        frame,
        request.params.id,
        200,
        redelivered && /^wd_[0-9a-f-]{36}$/.test(redelivered)
          ? { notice: `Delivery ${redelivered} queued again.` }
          : undefined,
      );
    },
  );

  app.post<{ Params: { channel: string; id: string } }>(
    '/dashboard/c/:channel/deliveries/:id/redeliver',
    { schema: { hide: true, params: ChannelItemParams } },
    async (request, reply) => {
      const frame = await framePost(request, reply, 'redeliver');
      if (!frame) return reply;
      const { back = '' } = RedeliverForm.parse(request.body).input;
      const root = `/dashboard/c/${encodeURIComponent(frame.current.channel.id)}/`;
      const target = back.startsWith(root) && /^[\w/:.-]+$/.test(back) ? back : `${root}sessions`;
      try {
        await webhookDeliveries.redeliver(frame.current.channel.id, request.params.id);
      } catch (error) {
        const message = refusal(error);
        if (error instanceof ApiError && error.statusCode === 404) return notFound(reply);
        return sendHtml(reply, 400, messagePage('Not redelivered', message));
      }
      return redirectAfterPost(reply, `${target}?redelivered=${encodeURIComponent(request.params.id)}`);
    },
  );

  // Webhooks.

  const listEndpoints = async (frame: Frame) =>
    (await webhookEndpoints.list(frame.current.channel.id)).map(presentEndpoint);

  app.get<{ Params: { channel: string }; Querystring: { deleted?: string } }>(
    '/dashboard/c/:channel/webhooks',
    { schema: { hide: true, params: ChannelParams } },
    async (request, reply) => {
      const frame = await frameFor(request, reply);
      if (!frame) return reply;
      const notice = request.query.deleted !== undefined ? 'Endpoint deleted.' : undefined;
      return sendHtml(reply, 200, webhooksPage(frame, await listEndpoints(frame), notice ? { notice } : {}));
    },
  );

  app.post<{ Params: { channel: string } }>(
    '/dashboard/c/:channel/webhooks',
    { schema: { hide: true, params: ChannelParams } },
    async (request, reply) => {
      const frame = await framePost(request, reply, 'manage_webhooks');
      if (!frame) return reply;
      const { url = '', mode = 'signed', events = [] } = EndpointForm.parse(request.body).input;
      try {
        const created = await webhookEndpoints.create(frame.current.channel.id, {
          url,
          mode: mode as WebhookMode,
          ...(events.length > 0 ? { events } : {}),
        });
        // 200 with the secret on the page, never a redirect: the secret must not travel in a URL.
        return sendHtml(
          reply,
          200,
          webhooksPage(frame, await listEndpoints(frame), {
            created: { endpoint: presentEndpoint(created.endpoint), secret: created.secret },
          }),
        );
      } catch (error) {
        const message = refusal(error);
        return sendHtml(
          reply,
          422,
          webhooksPage(frame, await listEndpoints(frame), { error: message, input: { url, mode, events } }),
        );
      }
    },
  );

  const showEndpoint = async (
    reply: FastifyReply,
    frame: Frame,
    id: string,
    query: Record<string, string | undefined>,
    status = 200,
    options: { secret?: string; notice?: string; error?: string } = {},
  ) => {
    let endpoint: Awaited<ReturnType<typeof webhookEndpoints.get>>;
    try {
      endpoint = await webhookEndpoints.get(frame.current.channel.id, id);
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 404) return notFound(reply);
      throw error;
    }
    const filters: DeliveryFilters = {};
    if (query.status && (DELIVERY_STATUSES as readonly string[]).includes(query.status))
      filters.status = query.status;
    if (query.event_type && (EVENT_TYPE_NAMES as readonly string[]).includes(query.event_type))
      filters.event_type = query.event_type;
    const day = (text: string | undefined) => {
      const ms = text && /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
      return Number.isNaN(ms) ? undefined : ms;
    };
    const from = day(query.from);
    const to = day(query.to);
    if (from !== undefined) filters.from = query.from;
    if (to !== undefined) filters.to = query.to;
    const page = Math.min(Math.max(1, Number.parseInt(query.page ?? '1', 10) || 1), 1_000_000);
    const [rate, log] = await Promise.all([
      webhookDeliveries.successRate24h(endpoint.id),
      webhookDeliveries.page(
        {
          channelId: frame.current.channel.id,
          endpointId: endpoint.id,
          ...(filters.status ? { statuses: [filters.status as DeliveryStatus] } : {}),
          ...(filters.event_type ? { eventType: filters.event_type as EventType } : {}),
          ...(from !== undefined ? { createdFrom: from } : {}),
          ...(to !== undefined ? { createdBefore: to + DAY_MS } : {}),
        },
        page,
        20,
      ),
    ]);
    return sendHtml(
      reply,
      status,
      endpointPage(frame, presentEndpoint(endpoint), rate, log, filters, options),
    );
  };

  app.get<{ Params: { channel: string; id: string }; Querystring: Record<string, string | undefined> }>(
    '/dashboard/c/:channel/webhooks/:id',
    { schema: { hide: true, params: ChannelItemParams } },
    async (request, reply) => {
      const frame = await frameFor(request, reply);
      if (!frame) return reply;
      const { redelivered, done } = request.query;
      const notices: Record<string, string> = {
        test: 'Test event queued: its attempt appears in the log below.',
        disabled: 'Endpoint disabled.',
        enabled: 'Endpoint enabled.',
        saved: 'Settings saved.',
      };
      const notice =
        redelivered && /^wd_[0-9a-f-]{36}$/.test(redelivered)
          ? `Delivery ${redelivered} queued again.`
          : done
            ? notices[done]
            : undefined;
      return showEndpoint(reply, frame, request.params.id, request.query, 200, notice ? { notice } : {});
    },
  );

  /** An endpoint action: a POST that does one thing and returns to the endpoint page (or the list). */
  const endpointAction = (
    action: string,
    run: (
      frame: Frame,
      id: string,
      request: FastifyRequest,
    ) => Promise<{ redirect: string } | { secret: string }>,
  ) =>
    app.post<{ Params: { channel: string; id: string } }>(
      `/dashboard/c/:channel/webhooks/:id/${action}`,
      { schema: { hide: true, params: ChannelItemParams } },
      async (request, reply) => {
        const frame = await framePost(request, reply, 'manage_webhooks');
        if (!frame) return reply;
        try {
          const outcome = await run(frame, request.params.id, request);
          if ('redirect' in outcome) return redirectAfterPost(reply, outcome.redirect);
          return showEndpoint(reply, frame, request.params.id, {}, 200, {
            secret: outcome.secret,
            notice: 'Secret rotated.',
          });
        } catch (error) {
          if (error instanceof ApiError && error.statusCode === 404) return notFound(reply);
          return showEndpoint(reply, frame, request.params.id, {}, 422, { error: refusal(error) });
        }
      },
    );
  const endpointUrl = (frame: Frame, id: string, done: string) =>
    `/dashboard/c/${encodeURIComponent(frame.current.channel.id)}/webhooks/${encodeURIComponent(id)}?done=${done}`;

  endpointAction('test', async (frame, id) => {
    await webhookEndpoints.sendTest(frame.current.channel.id, id);
    return { redirect: endpointUrl(frame, id, 'test') };
  });
  endpointAction('disable', async (frame, id) => {
    await webhookEndpoints.disable(frame.current.channel.id, id);
    return { redirect: endpointUrl(frame, id, 'disabled') };
  });
  endpointAction('enable', async (frame, id) => {
    await webhookEndpoints.enableInChannel(frame.current.channel.id, id);
    return { redirect: endpointUrl(frame, id, 'enabled') };
  });
  endpointAction('delete', async (frame, id) => {
    await webhookEndpoints.delete(frame.current.channel.id, id);
    return { redirect: `/dashboard/c/${encodeURIComponent(frame.current.channel.id)}/webhooks?deleted=1` };
  });
  endpointAction('settings', async (frame, id, request) => {
    const { mode = 'signed', events = [] } = EndpointForm.parse(request.body).input;
    await webhookEndpoints.updateSettings(frame.current.channel.id, id, {
      mode: mode as WebhookMode,
      events,
    });
    return { redirect: endpointUrl(frame, id, 'saved') };
  });
  endpointAction('rotate', async (frame, id, request) => {
    const form = RotateForm.parse(request.body);
    if (!form.ok) throw new ApiError('ValidationError', form.errors.overlap_seconds ?? 'Choose an overlap.');
    const rotated = await webhookEndpoints.rotateSecret(
      frame.current.channel.id,
      id,
      form.values.overlap_seconds * 1000,
    );
    return { secret: rotated.secret };
  });

  // Keys.

  app.get<{ Params: { channel: string }; Querystring: { revoked?: string } }>(
    '/dashboard/c/:channel/keys',
    { schema: { hide: true, params: ChannelParams } },
    async (request, reply) => {
      const frame = await frameFor(request, reply);
      if (!frame) return reply;
      const notice =
        request.query.revoked !== undefined ? 'Key revoked: it is refused from now on.' : undefined;
      return sendHtml(
        reply,
        200,
        keysPage(frame, await channels.listKeys(frame.current.channel.id), notice ? { notice } : {}),
      );
    },
  );

  app.post<{ Params: { channel: string } }>(
    '/dashboard/c/:channel/keys',
    { schema: { hide: true, params: ChannelParams } },
    async (request, reply) => {
      const frame = await framePost(request, reply, 'manage_keys');
      if (!frame) return reply;
      const created = await channels.createKey(frame.current.channel.id);
      const context = await dashboardAuth.resolve(request.cookies[SESSION_COOKIE]);
      await services.audit.record({
        actorType: 'merchant_user',
        actorId: context.state === 'signed_in' ? context.user.id : null,
        action: 'dashboard.key_create',
        details: { sales_channel_id: frame.current.channel.id, key_prefix: created.key_prefix },
      });
      return sendHtml(
        reply,
        200,
        keysPage(frame, await channels.listKeys(frame.current.channel.id), { created: created.api_key }),
      );
    },
  );

  app.post<{ Params: { channel: string; id: string } }>(
    '/dashboard/c/:channel/keys/:id/revoke',
    { schema: { hide: true, params: ChannelItemParams } },
    async (request, reply) => {
      const frame = await framePost(request, reply, 'manage_keys');
      if (!frame) return reply;
      try {
        const key = await channels.revokeKeyInChannel(frame.current.channel.id, request.params.id);
        await services.audit.record({
          actorType: 'merchant_user',
          action: 'dashboard.key_revoke',
          details: { sales_channel_id: frame.current.channel.id, key_prefix: key.prefix },
        });
      } catch (error) {
        if (error instanceof ApiError && error.statusCode === 404) return notFound(reply);
        throw error;
      }
      return redirectAfterPost(
        reply,
        `/dashboard/c/${encodeURIComponent(frame.current.channel.id)}/keys?revoked=1`,
      );
    },
  );

  // Users (owners).

  app.get<{ Params: { channel: string } }>(
    '/dashboard/c/:channel/users',
    { schema: { hide: true, params: ChannelParams } },
    async (request, reply) => {
      const frame = await frameFor(request, reply);
      if (!frame) return reply;
      if (!allows(frame.current.role, 'manage_users'))
        return sendHtml(reply, 403, messagePage('Not allowed', 'Only owners manage users.'));
      return sendHtml(reply, 200, usersPage(frame, await dashboardAuth.members(frame.current.channel.id)));
    },
  );

  app.post<{ Params: { channel: string } }>(
    '/dashboard/c/:channel/users',
    { schema: { hide: true, params: ChannelParams } },
    async (request, reply) => {
      const frame = await framePost(request, reply, 'manage_users');
      if (!frame) return reply;
      const { email = '', role = 'viewer' } = MemberForm.parse(request.body).input;
      const context = await dashboardAuth.resolve(request.cookies[SESSION_COOKIE]);
      try {
        const added = await dashboardAuth.addMember(frame.current.channel.id, email, role, {
          actorType: 'merchant_user',
          ...(context.state === 'signed_in' ? { actorId: context.user.id } : {}),
        });
        const members = await dashboardAuth.members(frame.current.channel.id);
        return sendHtml(
          reply,
          200,
          usersPage(frame, members, {
            notice: `${added.email} is now ${added.role}.`,
            ...(added.set_password_url ? { link: added.set_password_url } : {}),
          }),
        );
      } catch (error) {
        const message = refusal(error);
        return sendHtml(
          reply,
          422,
          usersPage(frame, await dashboardAuth.members(frame.current.channel.id), { error: message }),
        );
      }
    },
  );

  app.post<{ Params: { channel: string; id: string } }>(
    '/dashboard/c/:channel/users/:id/remove',
    { schema: { hide: true, params: ChannelItemParams } },
    async (request, reply) => {
      const frame = await framePost(request, reply, 'manage_users');
      if (!frame) return reply;
      const context = await dashboardAuth.resolve(request.cookies[SESSION_COOKIE]);
      const me = context.state === 'signed_in' ? context.user.id : '';
      if (request.params.id === me)
        return sendHtml(reply, 400, messagePage('Not removed', 'You cannot remove yourself.'));
      await dashboardAuth.removeMember(frame.current.channel.id, request.params.id, me);
      return redirectAfterPost(reply, `/dashboard/c/${encodeURIComponent(frame.current.channel.id)}/users`);
    },
  );
};
