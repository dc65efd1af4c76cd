import type { DashboardMembershipTable, DashboardUserTable } from '../db/schema.dashboard.js';
import type { Executor } from '../db/transaction.js';
import type { DashboardRole } from './dashboard.vocabulary.js';

export type DashboardUserRow = DashboardUserTable;
export type MembershipRow = DashboardMembershipTable;

const USER_COLUMNS = [
  'id',
  'email',
  'password_hash',
  'password_token_hash',
  'password_token_expires_at',
  'created_at',
  'updated_at',
  'disabled_at',
] as const satisfies readonly (keyof DashboardUserRow)[];

/** Issue 12 item 1 — SQL of the merchant users and their memberships (user ↔ sales channel, with a role). */
export class DashboardUsersRepository {
  async insert(db: Executor, row: DashboardUserRow): Promise<void> {
    await db.insertInto('dashboard_users').values(row).execute();
  }

  async find(db: Executor, id: string): Promise<DashboardUserRow | undefined> {
    return db.selectFrom('dashboard_users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  async findByEmail(db: Executor, email: string): Promise<DashboardUserRow | undefined> {
    return db
      .selectFrom('dashboard_users')
      .select(USER_COLUMNS)
      .where('email', '=', email)
      .executeTakeFirst();
  }

  async findByPasswordToken(db: Executor, tokenHash: string): Promise<DashboardUserRow | undefined> {
    return db
      .selectFrom('dashboard_users')
      .select(USER_COLUMNS)
      .where('password_token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  async update(
    db: Executor,
    id: string,
    patch: Partial<
      Pick<
        DashboardUserRow,
        'password_hash' | 'password_token_hash' | 'password_token_expires_at' | 'updated_at' | 'disabled_at'
      >
    >,
  ): Promise<void> {
    await db.updateTable('dashboard_users').set(patch).where('id', '=', id).execute();
  }

  /** Adds the membership, or changes its role when the user already belongs to the channel. */
  async upsertMembership(db: Executor, row: MembershipRow): Promise<void> {
    await db
      .insertInto('dashboard_memberships')
      .values(row)
      .onConflict((oc) => oc.columns(['user_id', 'sales_channel_id']).doUpdateSet({ role: row.role }))
      .execute();
  }

  async removeMembership(db: Executor, userId: string, channelId: string): Promise<void> {
    await db
      .deleteFrom('dashboard_memberships')
      .where('user_id', '=', userId)
      .where('sales_channel_id', '=', channelId)
      .execute();
  }

  async membershipsOf(db: Executor, userId: string): Promise<MembershipRow[]> {
    return db
      .selectFrom('dashboard_memberships')
      .select(['user_id', 'sales_channel_id', 'role', 'created_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('sales_channel_id')
      .execute();
  }

  /** The members of one channel with their emails (the owner's users page). */
  async membersOf(
    db: Executor,
    channelId: string,
  ): Promise<Array<{ user_id: string; email: string; role: DashboardRole; has_password: boolean }>> {
    const rows = await db
      .selectFrom('dashboard_memberships')
      .innerJoin('dashboard_users', 'dashboard_users.id', 'dashboard_memberships.user_id')
      .select([
        'dashboard_memberships.user_id',
        'dashboard_users.email',
        'dashboard_memberships.role',
        'dashboard_users.password_hash',
      ])
      .where('dashboard_memberships.sales_channel_id', '=', channelId)
      .orderBy('dashboard_users.email')
      .execute();
    return rows.map((r) => ({
      user_id: r.user_id,
      email: r.email,
      role: r.role,
      has_password: r.password_hash !== null,
    }));
  }
}
