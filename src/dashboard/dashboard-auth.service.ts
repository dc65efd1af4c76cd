import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.js';
import type { ChannelRow, ChannelsRepository } from '../channels/channels.repository.js';
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

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

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
  | { state: 'expired' }
  | { state: 'none' };

export type SignInResult =
  | { state: 'signed_in'; token: string; user: DashboardUserRow }
  | { state: 'refused' };

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
 * Sign-in is `signIn` → password check → `afterPassword`: per-account throttling goes before the
 * check, a second factor (TOTP) in `afterPassword`, the one step every successful password passes.
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

  async signIn(rawEmail: string, password: string): Promise<SignInResult> {
    const email = rawEmail.trim().toLowerCase();
    const user =
      email.length <= 254 ? await this.repos.dashboardUsers.findByEmail(this.database.db, email) : undefined;
    // A wrong email costs the same scrypt as a wrong password.
    const matches = await verifyPassword(password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
    if (!user || !matches || user.password_hash === null || user.disabled_at !== null) {
      await this.audit.record({
        actorType: 'anonymous',
        action: 'dashboard.sign_in_failed',
        details: { email: email.slice(0, 254) },
      });
      return { state: 'refused' };
    }
    return this.afterPassword(user);
  }

  /** The step every correct password goes through before a session exists (a second factor joins here). */
  private async afterPassword(user: DashboardUserRow): Promise<SignInResult> {
    const token = randomToken(32);
    const now = this.clock.now();
    await this.repos.dashboardSessions.insert(this.database.db, {
      token_hash: hashToken(token),
      user_id: user.id,
      csrf_token: randomToken(24),
      created_at: now,
      last_seen_at: now,
      ended_at: null,
    });
    await this.audit.record({ actorType: 'merchant_user', actorId: user.id, action: 'dashboard.sign_in' });
    return { state: 'signed_in', token, user };
  }

  /** Resolves the cookie; an idle or too old session is ended and reported as expired. */
  async resolve(token: string | undefined): Promise<DashboardContext> {
    if (!token || token.length > 100) return { state: 'none' };
    const tokenHash = hashToken(token);
    const db = this.database.db;
    const row = await this.repos.dashboardSessions.find(db, tokenHash);
    if (!row || row.ended_at !== null) return { state: 'none' };
    const now = this.clock.now();
    if (
      now - Number(row.last_seen_at) > DASHBOARD_IDLE_TIMEOUT_MS ||
      now - Number(row.created_at) > DASHBOARD_ABSOLUTE_TIMEOUT_MS
    ) {
      await this.repos.dashboardSessions.end(db, tokenHash, now);
      return { state: 'expired' };
    }
    const user = await this.repos.dashboardUsers.find(db, row.user_id);
    if (!user || user.disabled_at !== null) return { state: 'none' };
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
