import type { AuditService } from '../audit/audit.service.js';
import type { ChannelBranding, ChannelsService } from '../channels/channels.service.js';
import type { Database } from '../db/database.js';
import { type Tx, transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { asciiHttpUrl } from '../lib/http-url.js';
import { verifySessionLinkToken } from '../lib/tokens.js';
import type { PhiCipher } from '../phi/phi.cipher.js';
import type { LifecycleService } from '../sessions/lifecycle.service.js';
import type { SessionPatch, SessionRow, SessionsRepository } from '../sessions/sessions.repository.js';
import type { RejectionReason } from '../sessions/sessions.vocabulary.js';
import type { SurveyDefinition } from './definition.js';
import { prescreen, type SurveyAnswers } from './prescreen.js';
import type { SurveyDraftsRepository } from './survey-drafts.repository.js';
import type { SurveyResponsesRepository } from './survey-responses.repository.js';

/** What the shopper's link shows, by session status (SPEC §2.2). */
export type ShopperPage =
  | {
      kind: 'form';
      session: SessionRow;
      /** Who the shopper is buying from (issue 10 item 6). */
      merchant: ChannelBranding;
      /** Answers saved before (issue 10 item 6): the form shows them again. */
      draft: Record<string, string | string[]> | undefined;
    }
  | { kind: 'in_review' }
  | { kind: 'approved'; session: SessionRow }
  | { kind: 'rejected'; reason: RejectionReason | null; failureUrl: string | null };

/** What a valid survey form submits: who and where (session fields) and the answers (encrypted). */
export interface SurveySubmission {
  email: string;
  state: string;
  answers: SurveyAnswers;
}

export type SubmitOutcome =
  | { kind: 'submitted'; redirect: string | null }
  | { kind: 'closed'; page: ShopperPage };

/** Issue 13 item 3 — the link may fill these; `user_id` is the merchant's and set only through the API. */
export interface LinkFields {
  source?: unknown;
  skus?: unknown;
}

const answersContext = (sessionId: string) => `survey_responses.answers:${sessionId}`;
const draftContext = (sessionId: string) => `survey_drafts.answers:${sessionId}`;

/** `{{qualification_session_id}}` in a merchant URL becomes the id (also when URL-encoded). */
export function fillSessionUrl(url: string, sessionId: string): string {
  return url
    .replaceAll('{{qualification_session_id}}', sessionId)
    .replaceAll('%7B%7Bqualification_session_id%7D%7D', sessionId);
}

/**
 * Where the shopper goes back to: the merchant's URL with the id filled in, in the ASCII form a
 * `Location` header needs (issue 13 item 6). Null — the shopper sees Qualify's own page — when
 * there is none or it cannot be one (a URL stored before the API checked it): the submission
 * itself is never undone by its redirect.
 */
function redirectTarget(url: string | null, sessionId: string): string | null {
  return url === null ? null : asciiHttpUrl(fillSessionUrl(url, sessionId));
}

/** The `?source=&skus=` of the link that may fill this session: only fields still null. */
function linkPatch(session: SessionRow, link: LinkFields): SessionPatch {
  const patch: SessionPatch = {};
  const fill = (field: 'source' | 'skus_param', value: unknown, max: number) => {
    if (typeof value === 'string' && value !== '' && value.length <= max && session[field] === null)
      patch[field] = value;
  };
  fill('source', link.source, 255);
  fill('skus_param', link.skus, 2048);
  return patch;
}

export class SurveyService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repos: {
      sessions: SessionsRepository;
      responses: SurveyResponsesRepository;
      drafts: SurveyDraftsRepository;
    },
    /** The current service secret first, then previous ones (issue 13 item 2). */
    private readonly linkSecrets: readonly Buffer[],
    private readonly cipher: PhiCipher,
    private readonly lifecycle: LifecycleService,
    private readonly audit: AuditService,
    private readonly channels: Pick<ChannelsService, 'branding'>,
    readonly definition: SurveyDefinition,
  ) {}

  /** SPEC §2.2 — opens the link; `?source=&skus=` fill those fields while they are null. */
  async open(sessionId: string, token: unknown, link: LinkFields = {}): Promise<ShopperPage> {
    const session = await this.authorisedSession(sessionId, token);
    if (Object.keys(linkPatch(session, link)).length === 0) return this.pageFor(session);
    // Filled under the row lock, from the row as it is now: a merchant update racing the link
    // keeps its own fields (and the search text both of them feed).
    const filled = await transact(this.database, async (tx) => {
      const locked = await this.repos.sessions.findForUpdate(tx.db, tx.engine, sessionId);
      if (!locked) throw new ApiError('NotFound', 'This link is not valid.');
      const patch = linkPatch(locked, link);
      if (Object.keys(patch).length === 0) return locked;
      return this.repos.sessions.update(tx.db, locked, { ...patch, updated_at: this.clock.now() });
    });
    return this.pageFor(filled);
  }

  /** What the link shows now, without filling anything from it (the form post starts here). */
  async page(sessionId: string, token: unknown): Promise<ShopperPage> {
    return this.pageFor(await this.authorisedSession(sessionId, token));
  }

  /**
   * SPEC §2.2/§2.4 — a valid form (`survey.form.ts` validated it), in one transaction: lock the
   * session, move it to `processing`, store the encrypted answers, run the pre-screen and, when it
   * fails, reject as actor `rules` with an audit row.
   */
  async submit(sessionId: string, token: unknown, submission: SurveySubmission): Promise<SubmitOutcome> {
    this.verifyToken(sessionId, token);
    const { answers } = submission;
    const outcome = await transact(
      this.database,
      async (tx): Promise<{ closed: SessionRow } | { redirect: string | null }> => {
        const session = await this.repos.sessions.findForUpdate(tx.db, tx.engine, sessionId);
        if (!session) throw new ApiError('NotFound', 'This link is not valid.');
        // A second tab or a double click: the first submission won, show where things stand.
        if (session.status !== 'pending') return { closed: session };
        const now = this.clock.now();
        const submitted = await this.lifecycle.submit(
          tx,
          session,
          { email: submission.email, state: submission.state },
          { type: 'shopper' },
        );
        await this.repos.drafts.delete(tx.db, session.id);
        await this.repos.responses.insert(tx.db, {
          session_id: session.id,
          answers: this.cipher.encryptJson(answers, answersContext(session.id)),
          telehealth_consent_at: now,
          privacy_consent_at: now,
          created_at: now,
        });
        // Issue 10 item 6: a shopper the pre-screen turns away goes back to the merchant's failure URL.
        const back = (await this.applyPrescreen(tx, submitted, answers))
          ? submitted.success_url
          : submitted.failure_url;
        return { redirect: redirectTarget(back, session.id) };
      },
    );
    if ('closed' in outcome) return { kind: 'closed', page: await this.pageFor(outcome.closed) };
    return { kind: 'submitted', redirect: outcome.redirect };
  }

  /**
   * Issue 10 item 6 — answers typed so far survive a reload without JavaScript: the form posts
   * them ("Save my answers", or a form with errors) and they are kept sealed until Submit.
   */
  async saveDraft(
    sessionId: string,
    token: unknown,
    typed: Record<string, string | string[]>,
  ): Promise<void> {
    const session = await this.authorisedSession(sessionId, token);
    if (session.status !== 'pending') return;
    await this.repos.drafts.save(this.database.db, {
      session_id: session.id,
      answers: this.cipher.encryptJson(typed, draftContext(session.id)),
      updated_at: this.clock.now(),
    });
  }

  /** SPEC §2.2 — decline: back to the merchant; the session stays `pending` so the link still works. */
  async decline(sessionId: string, token: unknown): Promise<{ redirect: string | null; page?: ShopperPage }> {
    const session = await this.authorisedSession(sessionId, token);
    if (session.status !== 'pending') return { redirect: null, page: await this.pageFor(session) };
    return { redirect: redirectTarget(session.failure_url, session.id) };
  }

  /** Decrypted answers, for the clinician's review page. */
  async answers(sessionId: string): Promise<SurveyAnswers | undefined> {
    const row = await this.repos.responses.find(this.database.db, sessionId);
    return row ? this.cipher.decryptJson<SurveyAnswers>(row.answers, answersContext(sessionId)) : undefined;
  }

  /** True when the session goes on to a clinician; false when the rules rejected it. */
  private async applyPrescreen(tx: Tx, session: SessionRow, answers: SurveyAnswers): Promise<boolean> {
    const result = prescreen(answers, this.definition, this.clock.now());
    if (result.eligible) return true;
    await this.lifecycle.reject(tx, session, { reason: result.reason }, { type: 'rules' });
    await this.audit.append(tx, {
      actorType: 'rules',
      action: 'session.auto_reject',
      subjectId: session.id,
      details: { reason: result.reason },
    });
    return false;
  }

  private async pageFor(session: SessionRow): Promise<ShopperPage> {
    switch (session.status) {
      case 'pending': {
        const draft = await this.repos.drafts.find(this.database.db, session.id);
        return {
          kind: 'form',
          session,
          merchant: await this.channels.branding(session.sales_channel_id),
          draft: draft
            ? this.cipher.decryptJson<Record<string, string | string[]>>(
                draft.answers,
                draftContext(session.id),
              )
            : undefined,
        };
      }
      case 'processing':
        return { kind: 'in_review' };
      case 'approved':
        return { kind: 'approved', session };
      case 'rejected':
        return {
          kind: 'rejected',
          reason: session.rejection_reason,
          failureUrl: session.failure_url ? fillSessionUrl(session.failure_url, session.id) : null,
        };
    }
  }

  /** SPEC §2.2 — the link's HMAC token: a forged or missing token never reaches the session. */
  async authorisedSession(sessionId: string, token: unknown): Promise<SessionRow> {
    this.verifyToken(sessionId, token);
    const session = await this.repos.sessions.find(this.database.db, sessionId);
    if (!session) throw new ApiError('NotFound', 'This link is not valid.');
    return session;
  }

  private verifyToken(sessionId: string, token: unknown): void {
    if (!verifySessionLinkToken(this.linkSecrets, sessionId, token)) {
      throw new ApiError('Forbidden', 'This link is not valid. Please use the link you were given.');
    }
  }
}
