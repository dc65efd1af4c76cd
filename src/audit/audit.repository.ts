import type { Engine } from '../db/database.js';
import { lockRows } from '../db/dialect.js';
import type { AuditHeadTable, AuditLogTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';

export type AuditRow = AuditLogTable;

const COLUMNS = [
  'seq',
  'created_at',
  'actor_type',
  'actor_id',
  'action',
  'subject_id',
  'details',
  'prev_hash',
  'hash',
] as const satisfies readonly (keyof AuditRow)[];

export class AuditRepository {
  /** Reads the chain head and, on PostgreSQL, locks it: appends are serialised, the chain never forks. */
  async lockHead(db: Executor, engine: Engine): Promise<AuditHeadTable> {
    return lockRows(
      engine,
      db.selectFrom('audit_head').select(['id', 'seq', 'hash']).where('id', '=', 1),
    ).executeTakeFirstOrThrow();
  }

  async head(db: Executor): Promise<AuditHeadTable> {
    return db
      .selectFrom('audit_head')
      .select(['id', 'seq', 'hash'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
  }

  async append(db: Executor, row: AuditRow): Promise<void> {
    await db.insertInto('audit_log').values(row).execute();
    await db.updateTable('audit_head').set({ seq: row.seq, hash: row.hash }).where('id', '=', 1).execute();
  }

  async page(db: Executor, afterSeq: number, limit: number): Promise<AuditRow[]> {
    return db
      .selectFrom('audit_log')
      .select(COLUMNS)
      .where('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute();
  }
}
