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
      db.selectFrom('audit_head').select(['id', 'seq', 'hash', 'hmac_from']).where('id', '=', 1),
    ).executeTakeFirstOrThrow();
  }

  async head(db: Executor): Promise<AuditHeadTable> {
    return db
      .selectFrom('audit_head')
      .select(['id', 'seq', 'hash', 'hmac_from'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
  }

  async append(db: Executor, row: AuditRow): Promise<void> {
    await db.insertInto('audit_log').values(row).execute();
    await db.updateTable('audit_head').set({ seq: row.seq, hash: row.hash }).where('id', '=', 1).execute();
  }

  /** Issue 11 item 7 — the admin's view: newest first, by actor and/or subject, before `beforeSeq`. */
  async search(
    db: Executor,
    filter: { actorId?: string; subjectId?: string; beforeSeq?: number },
    limit: number,
  ): Promise<AuditRow[]> {
    let query = db.selectFrom('audit_log').select(COLUMNS);
    if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
    if (filter.subjectId) query = query.where('subject_id', '=', filter.subjectId);
    if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
    return query.orderBy('seq', 'desc').limit(limit).execute();
  }

  async row(db: Executor, seq: number): Promise<AuditRow | undefined> {
    return db.selectFrom('audit_log').select(COLUMNS).where('seq', '=', seq).executeTakeFirst();
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
