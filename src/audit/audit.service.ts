import { createHash } from 'node:crypto';
import type { Database } from '../db/database.js';
import { AUDIT_GENESIS_HASH } from '../db/migrations/002_review.js';
import { type Tx, transact } from '../db/transaction.js';
import { canonicalJson } from '../lib/canonical-json.js';
import type { Clock } from '../lib/clock.js';
import type { AuditRepository, AuditRow } from './audit.repository.js';
import type { AuditAction, AuditActorType } from './audit.vocabulary.js';

export interface AuditEntry {
  actorType: AuditActorType;
  actorId?: string | null;
  action: AuditAction;
  subjectId?: string | null;
  /** Ids and codes only: never health information (the log is not encrypted). */
  details?: Record<string, string | number | boolean | null>;
}

export type AuditVerification =
  | { ok: true; rows: number; head: string }
  | { ok: false; rows: number; seq: number; problem: string };

/** SHA-256(prev_hash + canonical row): each row commits to every row before it. */
export function auditHash(row: Omit<AuditRow, 'hash'>): string {
  const { prev_hash, ...content } = row;
  return createHash('sha256').update(prev_hash).update(canonicalJson(content)).digest('hex');
}

/**
 * SPEC §2.6 — the append-only, hash-chained audit log. Appends run inside the caller's
 * transaction (a decision and its audit row commit together) and take the head row's lock.
 */
export class AuditService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: AuditRepository,
  ) {}

  async append(tx: Tx, entry: AuditEntry): Promise<void> {
    const head = await this.repo.lockHead(tx.db, tx.engine);
    const row: Omit<AuditRow, 'hash'> = {
      seq: Number(head.seq) + 1,
      created_at: this.clock.now(),
      actor_type: entry.actorType,
      actor_id: entry.actorId ?? null,
      action: entry.action,
      subject_id: entry.subjectId ?? null,
      details: canonicalJson(entry.details ?? {}),
      prev_hash: head.hash,
    };
    await this.repo.append(tx.db, { ...row, hash: auditHash(row) });
  }

  /** An entry in a transaction of its own (sign-ins, views of answers). */
  async record(entry: AuditEntry): Promise<void> {
    await transact(this.database, (tx) => this.append(tx, entry));
  }

  /** Walks the whole chain: sequence without gaps, each prev_hash, each hash, and the head. */
  async verify(): Promise<AuditVerification> {
    let prev = AUDIT_GENESIS_HASH;
    let expectedSeq = 1;
    let rows = 0;
    for (;;) {
      const page = await this.repo.page(this.database.db, expectedSeq - 1, 500);
      for (const raw of page) {
        const row = { ...raw, seq: Number(raw.seq), created_at: Number(raw.created_at) };
        const fail = (problem: string): AuditVerification => ({ ok: false, rows, seq: row.seq, problem });
        if (row.seq !== expectedSeq) return fail(`row ${expectedSeq} is missing`);
        if (row.prev_hash !== prev) return fail('prev_hash does not match the previous row');
        const { hash, ...content } = row;
        if (auditHash(content) !== hash) return fail('hash does not match the row (row was modified)');
        prev = hash;
        expectedSeq += 1;
        rows += 1;
      }
      if (page.length < 500) break;
    }
    const head = await this.repo.head(this.database.db);
    if (Number(head.seq) !== rows || head.hash !== prev) {
      return {
        ok: false,
        rows,
        seq: rows + 1,
        problem: 'the chain head does not match the last row (rows removed?)',
      };
    }
    return { ok: true, rows, head: prev };
  }
}
