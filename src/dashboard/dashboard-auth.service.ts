import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/auth.vocabulary.js';
import { type SignInThrottle, throttleSubject } from '../auth/throttle.service.js';
import type { Enrolment, TotpService } from '../auth/totp.service.js';
import type { ChannelRow, ChannelsRepository } from '../channels/channels.repository.js';
import type { DashboardMfa } from '../config.js';
import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  verifyPassword,
} from '../console/passwords.js';
import type { Database } from '../db/database.js';
import { transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { randomToken } from '../lib/ids.js';
import { DASHBOARD_ROLES, type DashboardRole } from './dashboard.vocabulary.js';
import type { DashboardSessionsRepository } from './dashboard-sessions.repository.js';
import type { DashboardUserRow, DashboardUsersRepository } from './dashboard-users.repository.js';

/** A dashboard session ends after an hour without a request, and after 12 hours in any case. */
export const DASHBOARD_IDLE_TIMEOUT_MS = 60 * 60_000;
export const DASHBOARD_ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60_000;
/** A set-password link is valid for 7 days. */
export const PASSWORD_LINK_TTL_MS = 7 * 24 * 3_600_000;
const TOUCH_EVERY_MS = 60_000;
/** The password step is good for this long; then the sign-in starts over (as in the console). */
export const DASHBOARD_MFA_STEP_MS = 10 * 60_000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const principalOf = (user: DashboardUserRow): Principal => ({ kind: 'merchant_user', id: user.id });

export function sameToken(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export interface Membership {
  channel: ChannelRow;
  role: DashboardRole;
}

export type DashboardContext =
  | {
      state: 'signed_in';
      user: DashboardUserRow;
      csrf: string;
      tokenHash: string;
      memberships: Membership[];
    }
  | {
      /** The password was right; the "Authentication code" step (or a first enrolment) is pending. */
      state: 'mfa_pending';
      user: DashboardUserRow;
      csrf: string;
      tokenHash: string;
      enrolled: boolean;
    }
  | { state: 'expired' }
  | { state: 'none' };

export type MfaPending = Extract<DashboardContext, { state: 'mfa_pending' }>;

export type SignInResult =
  | { state: 'signed_in'; token: string; user: DashboardUserRow; next: 'dashboard' | 'mfa' }
  | { state: 'refused' }
  | { state: 'locked' };

export type CodeResult = 'ok' | 'wrong' | 'replayed' | 'locked';
export type EnrolResult = { kind: 'ok'; recoveryCodes: string[] } | { kind: 'wrong' | 'locked' };

/** What the account page shows about the second factor. */
export interface SecondFactorStatus {
  enrolled: boolean;
  /** The configuration requires it of this user (an owner, `required-for-owners`). */
  required: boolean;
  recoveryCodesLeft: number;
}

export interface AddedMember {
  user_id: string;
  email: string;
  sales_channel_id: string;
  role: DashboardRole;
  /** The one-time link to set a password; absent when the user already has one. */
  set_password_url?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Issue 12 item 1 — merchant users of the dashboard: accounts, memberships (one user, several
 * channels, one role in each), set-password links, sign-in and server-side sessions (the cookie
 * holds a random token, the table its hash). Its own cookie and table: never the console's.
 *
 * Sign-in is `signIn` → throttle → password check → `afterPassword`, which starts the session
 * pending its second factor (TOTP, `src/auth/`) when the user enrolled one or, as an owner under
 * `QUALIFY_DASHBOARD_MFA=required-for-owners`, must enrol one.
 */
export class DashboardAuthService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repos: {
      dashboardUsers: DashboardUsersRepository;
      dashboardSessions: DashboardSessionsRepository;
      channels: ChannelsRepository;
    },
    private readonly audit: AuditService,
    private readonly publicUrl: string,
    private readonly throttle: SignInThrottle,
    private readonly totp: TotpService,
    private readonly mfa: DashboardMfa,
  ) {}

  /**
   * Adds `email` to the channel with `role` (a new user, or a membership for an existing one; an
   * existing membership changes role). A user without a password gets a fresh set-password link.
   */
  async addMember(
    channelId: string,
    rawEmail: string,
    role: string,
    by: { actorType: 'operator' | 'merchant_user'; actorId?: string },
  ): Promise<AddedMember> {
    const email = rawEmail.trim().toLowerCase();
    if (!EMAIL.test(email) || email.length > 254)
      throw new ApiError('ValidationError', 'email must be an email address');
    if (!(DASHBOARD_ROLES as readonly string[]).includes(role))
      throw new ApiError('ValidationError', `role must be one of ${DASHBOARD_ROLES.join(', ')}`);
    const now = this.clock.now();
    const token = randomToken(32);
    const added = await transact(this.database, async (tx) => {
      const channel = await this.repos.channels.findChannel(tx.db, channelId);
      if (!channel) throw new ApiError('NotFound', `no sales channel ${channelId}`);
      let user = await this.repos.dashboardUsers.findByEmail(tx.db, email);
      let link = false;
      if (!user) {
        user = {
          id: `du_${randomToken(16)}`,
          email,
          password_hash: null,
          password_token_hash: hashToken(token),
          password_token_expires_at: now + PASSWORD_LINK_TTL_MS,
          created_at: now,
          updated_at: now,
          disabled_at: null,
        };
        await this.repos.dashboardUsers.insert(tx.db, user);
        link = true;
      } else if (user.password_hash === null) {
        await this.repos.dashboardUsers.update(tx.db, user.id, {
          password_token_hash: hashToken(token),
          password_token_expires_at: now + PASSWORD_LINK_TTL_MS,
          updated_at: now,
        });
        link = true;
      }
      await this.repos.dashboardUsers.upsertMembership(tx.db, {
        user_id: user.id,
        sales_channel_id: channel.id,
        role: role as DashboardRole,
        created_at: now,
      });
      return { user, link };
    });
    await this.audit.record({
      actorType: by.actorType,
      actorId: by.actorId ?? null,
      action: 'dashboard.member_add',
      subjectId: added.user.id,
      details: { sales_channel_id: channelId, role },
    });
    return {
      user_id: added.user.id,
      email,
      sales_channel_id: channelId,
      role: role as DashboardRole,
      ...(added.link ? { set_password_url: `${this.publicUrl}/dashboard/set-password?token=${token}` } : {}),
    };
  }

  async removeMember(channelId: string, userId: string, by: string): Promise<void> {
    await this.repos.dashboardUsers.removeMembership(this.database.db, userId, channelId);
    await this.audit.record({
      actorType: 'merchant_user',
      actorId: by,
      action: 'dashboard.member_remove',
      subjectId: userId,
      details: { sales_channel_id: channelId },
    });
  }

  async members(channelId: string) {
    return this.repos.dashboardUsers.membersOf(this.database.db, channelId);
  }

  /** The user a set-password link belongs to, while it is valid. */
  async passwordLinkUser(token: string | undefined): Promise<DashboardUserRow | undefined> {
    if (!token || token.length > 100) return undefined;
    const user = await this.repos.dashboardUsers.findByPasswordToken(this.database.db, hashToken(token));
    if (!user || user.disabled_at !== null) return undefined;
    if ((user.password_token_expires_at ?? 0) <= this.clock.now()) return undefined;
    return user;
  }

  /** Sets the password through a link (used once); every open session of the user ends. */
  async setPassword(token: string, password: string): Promise<DashboardUserRow> {
    const user = await this.passwordLinkUser(token);
    if (!user) throw new ApiError('NotFound', 'this link is not valid any more');
    if (password.length < MIN_PASSWORD_LENGTH || password.length > 200)
      throw new ApiError(
        'ValidationError',
        `the password must have ${MIN_PASSWORD_LENGTH} to 200 characters`,
      );
    const hash = await hashPassword(password);
    const now = this.clock.now();
    await transact(this.database, async (tx) => {
      await this.repos.dashboardUsers.update(tx.db, user.id, {
        password_hash: hash,
        password_token_hash: null,
        password_token_expires_at: null,
        updated_at: now,
      });
      await this.repos.dashboardSessions.endAllOf(tx.db, user.id, now);
    });
    await this.audit.record({
      actorType: 'merchant_user',
      actorId: user.id,
      action: 'dashboard.password_set',
    });
    return user;
  }

  /**
   * Issue 12 item 1 — the console's throttling (issue 11 item 3): failures count per account (or
   * per unknown email) and per client address, and a locked subject is refused before the
   * password is looked at, with one answer whether or not the password is right.
   */
  async signIn(rawEmail: string, password: string, address: string): Promise<SignInResult> {
    const email = rawEmail.trim().toLowerCase().slice(0, 254);
    const user = await this.repos.dashboardUsers.findByEmail(this.database.db, email);
    const accountSubject = user ? throttleSubject.account(user.id) : throttleSubject.unknown(email);
    const subjects = [accountSubject, throttleSubject.address(address)];
    if ((await this.throttle.lockedUntil('merchant_user', subjects)) !== null) return { state: 'locked' };
    // A wrong email costs the same scrypt as a wrong password.
    const matches = await verifyPassword(password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
    if (!user || !matches || user.password_hash === null || user.disabled_at !== null) {
      await this.failed(email, user, subjects, address, 'password');
      return { state: 'refused' };
    }
    await this.throttle.clear('merchant_user', accountSubject);
    return this.afterPassword(user);
  }

  /**
   * A failure counts against the account (or the unknown email) and the address. Each failure for
   * an account is audited; failures for one unknown email are aggregated (the first of a window
   * and a lock are written, the count between lives in the throttle row). What was typed into the
   * password or code field is never written anywhere.
   */
  private async failed(
    email: string,
    user: DashboardUserRow | undefined,
    subjects: string[],
    address: string,
    step: 'password' | 'code',
  ): Promise<void> {
    const [forAccount, forAddress] = await this.throttle.fail('merchant_user', subjects);
    if (user || forAccount!.failures === 1) {
      await this.audit.record({
        actorType: 'anonymous',
        action: step === 'code' ? 'dashboard.mfa_failed' : 'dashboard.sign_in_failed',
        subjectId: user?.id ?? null,
        details: { email, address, failures: forAccount!.failures },
      });
    }
    if (forAccount!.locked || forAddress!.locked) {
      await this.audit.record({
        actorType: 'anonymous',
        action: 'dashboard.sign_in_locked',
        subjectId: user?.id ?? null,
        details: {
          email,
          address,
          locked: [forAccount!.locked ? 'account' : null, forAddress!.locked ? 'address' : null]
            .filter((x) => x !== null)
            .join(','),
        },
      });
    }
  }

  /** An owner in any channel must have a second factor when the configuration says so. */
  private async mfaRequired(user: DashboardUserRow): Promise<boolean> {
    if (this.mfa !== 'required-for-owners') return false;
    const rows = await this.repos.dashboardUsers.membershipsOf(this.database.db, user.id);
    return rows.some((row) => row.role === 'owner');
  }

  /**
   * The step every correct password goes through before a session exists: the session starts
   * pending its "Authentication code" when the user has a second factor or must have one.
   */
  private async afterPassword(user: DashboardUserRow): Promise<SignInResult> {
    const needsCode = (await this.totp.enrolled(principalOf(user))) || (await this.mfaRequired(user));
    const token = randomToken(32);
    const now = this.clock.now();
    await this.repos.dashboardSessions.insert(this.database.db, {
      token_hash: hashToken(token),
      user_id: user.id,
      csrf_token: randomToken(24),
      created_at: now,
      last_seen_at: now,
      ended_at: null,
      mfa_passed_at: needsCode ? null : now,
    });
    await this.audit.record({
      actorType: 'merchant_user',
      actorId: user.id,
      action: 'dashboard.sign_in',
      details: { step: needsCode ? 'password' : 'complete' },
    });
    return { state: 'signed_in', token, user, next: needsCode ? 'mfa' : 'dashboard' };
  }

  /** The pending secret of an enrolment (shown as a QR code and as text); never replaces an enrolled one. */
  async beginEnrolment(user: DashboardUserRow): Promise<Enrolment | undefined> {
    if (await this.totp.enrolled(principalOf(user))) return undefined;
    return this.totp.beginEnrolment(principalOf(user), user.email);
  }

  /**
   * The first code confirms the enrolment (at a required first sign-in, or from the account page);
   * a pending sign-in is then complete. The recovery codes are returned to be shown once.
   */
  async confirmEnrolment(
    context: { user: DashboardUserRow; tokenHash: string },
    code: string,
    address: string,
  ): Promise<EnrolResult> {
    const subjects = this.codeSubjects(context.user, address);
    if ((await this.throttle.lockedUntil('merchant_user', subjects)) !== null) return { kind: 'locked' };
    const codes = await this.totp.confirmEnrolment(principalOf(context.user), code);
    if (!codes) {
      await this.failed(context.user.email, context.user, subjects, address, 'code');
      return { kind: 'wrong' };
    }
    await this.repos.dashboardSessions.passMfa(this.database.db, context.tokenHash, this.clock.now());
    await this.audit.record({
      actorType: 'merchant_user',
      actorId: context.user.id,
      action: 'dashboard.mfa_enrolled',
    });
    return { kind: 'ok', recoveryCodes: codes };
  }

  /** The "Authentication code" step: a code from the app (never the same one twice) or a recovery code. */
  async verifyCode(
    context: { user: DashboardUserRow; tokenHash: string },
    code: string,
    address: string,
  ): Promise<CodeResult> {
    const subjects = this.codeSubjects(context.user, address);
    if ((await this.throttle.lockedUntil('merchant_user', subjects)) !== null) return 'locked';
    const result = await this.totp.check(principalOf(context.user), code);
    if (result !== 'ok') {
      await this.failed(context.user.email, context.user, subjects, address, 'code');
      return result;
    }
    await this.throttle.clear('merchant_user', subjects[0]!);
    await this.repos.dashboardSessions.passMfa(this.database.db, context.tokenHash, this.clock.now());
    const recovery = !/^\s*\d{3}\s?\d{3}\s*$/.test(code);
    await this.audit.record({
      actorType: 'merchant_user',
      actorId: context.user.id,
      action: recovery ? 'dashboard.recovery_code_used' : 'dashboard.sign_in',
      details: { step: 'code' },
    });
    return 'ok';
  }

  async secondFactor(user: DashboardUserRow): Promise<SecondFactorStatus> {
    const principal = principalOf(user);
    const enrolled = await this.totp.enrolled(principal);
    return {
      enrolled,
      required: await this.mfaRequired(user),
      recoveryCodesLeft: enrolled ? await this.totp.recoveryCodesLeft(principal) : 0,
    };
  }

  /**
   * Turning two-step sign-in off from the account page: only where it is optional, and only with a
   * current code or a recovery code (whoever holds an open session must also hold the factor).
   */
  async turnOffSecondFactor(
    context: { user: DashboardUserRow },
    code: string,
    address: string,
  ): Promise<CodeResult | 'required'> {
    if (await this.mfaRequired(context.user)) return 'required';
    const subjects = this.codeSubjects(context.user, address);
    if ((await this.throttle.lockedUntil('merchant_user', subjects)) !== null) return 'locked';
    const principal = principalOf(context.user);
    const result = await this.totp.check(principal, code);
    if (result !== 'ok') {
      await this.failed(context.user.email, context.user, subjects, address, 'code');
      return result;
    }
    await this.totp.remove(principal);
    await this.audit.record({
      actorType: 'merchant_user',
      actorId: context.user.id,
      action: 'dashboard.mfa_removed',
    });
    return 'ok';
  }

  /**
   * `qualify user reset-mfa` — a user who lost their phone and recovery codes: the authenticator
   * and recovery codes are removed and every session of the user ends. The next sign-in asks for
   * no code, or (an owner under `required-for-owners`) enrols again.
   */
  async resetSecondFactor(
    rawEmail: string,
  ): Promise<{ user_id: string; email: string; had_factor: boolean }> {
    const email = rawEmail.trim().toLowerCase();
    const user = await this.repos.dashboardUsers.findByEmail(this.database.db, email);
    if (!user) throw new ApiError('NotFound', `no dashboard user ${email}`);
    const principal = principalOf(user);
    const hadFactor = await this.totp.enrolled(principal);
    await this.totp.remove(principal);
    await this.repos.dashboardSessions.endAllOf(this.database.db, user.id, this.clock.now());
    await this.audit.record({ actorType: 'operator', action: 'dashboard.mfa_reset', subjectId: user.id });
    return { user_id: user.id, email: user.email, had_factor: hadFactor };
  }

  private codeSubjects(user: DashboardUserRow, address: string): string[] {
    return [throttleSubject.account(user.id), throttleSubject.address(address)];
  }

  /** Resolves the cookie; an idle or too old session is ended and reported as expired. */
  async resolve(token: string | undefined): Promise<DashboardContext> {
    if (!token || token.length > 100) return { state: 'none' };
    const tokenHash = hashToken(token);
    const db = this.database.db;
    const row = await this.repos.dashboardSessions.find(db, tokenHash);
    if (!row || row.ended_at !== null) return { state: 'none' };
    const now = this.clock.now();
    const pending = row.mfa_passed_at === null;
    if (
      now - Number(row.last_seen_at) > DASHBOARD_IDLE_TIMEOUT_MS ||
      now - Number(row.created_at) > DASHBOARD_ABSOLUTE_TIMEOUT_MS ||
      (pending && now - Number(row.created_at) > DASHBOARD_MFA_STEP_MS)
    ) {
      await this.repos.dashboardSessions.end(db, tokenHash, now);
      return pending ? { state: 'none' } : { state: 'expired' };
    }
    const user = await this.repos.dashboardUsers.find(db, row.user_id);
    if (!user || user.disabled_at !== null) return { state: 'none' };
    if (pending) {
      const enrolled = await this.totp.enrolled(principalOf(user));
      return { state: 'mfa_pending', user, csrf: row.csrf_token, tokenHash, enrolled };
    }
    if (now - Number(row.last_seen_at) >= TOUCH_EVERY_MS)
      await this.repos.dashboardSessions.touch(db, tokenHash, now);
    return {
      state: 'signed_in',
      user,
      csrf: row.csrf_token,
      tokenHash,
      memberships: await this.memberships(user.id),
    };
  }

  async memberships(userId: string): Promise<Membership[]> {
    const db = this.database.db;
    const rows = await this.repos.dashboardUsers.membershipsOf(db, userId);
    const out: Membership[] = [];
    for (const row of rows) {
      const channel = await this.repos.channels.findChannel(db, row.sales_channel_id);
      if (channel) out.push({ channel, role: row.role });
    }
    return out;
  }

  async signOut(tokenHash: string, userId: string): Promise<void> {
    await this.repos.dashboardSessions.end(this.database.db, tokenHash, this.clock.now());
    await this.audit.record({ actorType: 'merchant_user', actorId: userId, action: 'dashboard.sign_out' });
  }
}
