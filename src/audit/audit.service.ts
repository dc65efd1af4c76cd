import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
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
  | { ok: true; rows: number; head: string; checkpoint: string }
  | { ok: false; rows: number; seq: number; problem: string };

/** SHA-256(prev_hash + canonical row): how rows were chained before issue 11 (migration 007). */
export function auditHash(row: Omit<AuditRow, 'hash'>): string {
  const { prev_hash, ...content } = row;
  return createHash('sha256').update(prev_hash).update(canonicalJson(content)).digest('hex');
}

/**
 * Issue 11 item 7 — HMAC-SHA256(prev_hash + canonical row) under a key derived from the service
 * secret: someone who can write to the database but does not hold the secret cannot recompute a
 * rewritten row's link.
 */
export function auditMac(key: Buffer, row: Omit<AuditRow, 'hash'>): string {
  const { prev_hash, ...content } = row;
  return createHmac('sha256', key).update(prev_hash).update(canonicalJson(content)).digest('hex');
}

export function auditKey(secret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'qualify/audit', 'audit chain hmac v1', 32));
}

/** `<seq>:<mac>`: what `qualify audit checkpoint` prints and `audit verify --checkpoint` takes. */
export function parseCheckpoint(text: string): { seq: number; hash: string } | undefined {
  const match = /^\s*(\d{1,15}):([0-9a-f]{64})\s*$/.exec(text);
  return match ? { seq: Number(match[1]), hash: match[2]! } : undefined;
}

const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * SPEC §2.6 — the append-only, chained audit log. Appends run inside the caller's transaction (a
 * decision and its audit row commit together) and take the head row's lock. Rows from
 * `audit_head.hmac_from` on are HMACs under the audit key; earlier rows (written before migration
 * 007) keep their plain SHA-256 links, which the first HMAC row commits to.
 */
export class AuditService {
  private readonly keys: Buffer[];

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: AuditRepository,
    /** The current service secret first, then those a rotation moves away from. */
    secrets: readonly Buffer[],
  ) {
    this.keys = secrets.map(auditKey);
  }

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
    await this.repo.append(tx.db, { ...row, hash: auditMac(this.keys[0]!, row) });
  }

  /** An entry in a transaction of its own (sign-ins, views of answers). */
  async record(entry: AuditEntry): Promise<void> {
    await transact(this.database, (tx) => this.append(tx, entry));
  }

  /** The current head as `<seq>:<mac>`, for the operator to keep somewhere else. */
  async checkpoint(): Promise<{ seq: number; hash: string; checkpoint: string }> {
    const head = await this.repo.head(this.database.db);
    const seq = Number(head.seq);
    return { seq, hash: head.hash, checkpoint: `${seq}:${head.hash}` };
  }

  /** Issue 11 item 7 — the admin's audit page: newest first, by clinician and/or session. */
  async search(filter: { actorId?: string; subjectId?: string; beforeSeq?: number }, limit: number) {
    return this.repo.search(this.database.db, filter, limit);
  }

  /**
   * Walks the whole chain: sequence without gaps, each prev_hash, each row's link (HMAC from
   * `hmac_from` on), and the head. With a checkpoint, the row at its seq must still exist and carry
   * its MAC: a log rewritten or truncated behind the checkpoint fails.
   */
  async verify(checkpointText?: string): Promise<AuditVerification> {
    const checkpoint = checkpointText === undefined ? undefined : parseCheckpoint(checkpointText);
    if (checkpointText !== undefined && !checkpoint)
      return {
        ok: false,
        rows: 0,
        seq: 0,
        problem: 'the checkpoint is not of the form <seq>:<64 hex digits>',
      };
    const head = await this.repo.head(this.database.db);
    const hmacFrom = Number(head.hmac_from);
    let prev = AUDIT_GENESIS_HASH;
    let expectedSeq = 1;
    let rows = 0;
    let checkpointSeen = false;
    for (;;) {
      const page = await this.repo.page(this.database.db, expectedSeq - 1, 500);
      for (const raw of page) {
        const row = { ...raw, seq: Number(raw.seq), created_at: Number(raw.created_at) };
        const fail = (problem: string): AuditVerification => ({ ok: false, rows, seq: row.seq, problem });
        if (row.seq !== expectedSeq) return fail(`row ${expectedSeq} is missing`);
        if (row.prev_hash !== prev) return fail('prev_hash does not match the previous row');
        const { hash, ...content } = row;
        const linked =
          row.seq >= hmacFrom
            ? this.keys.some((key) => same(auditMac(key, content), hash))
            : auditHash(content) === hash;
        if (!linked)
          return fail(
            row.seq >= hmacFrom
              ? 'the row does not carry its HMAC (row was modified, or QUALIFY_SECRET differs)'
              : 'hash does not match the row (row was modified)',
          );
        if (checkpoint && row.seq === checkpoint.seq) {
          if (!same(hash, checkpoint.hash))
            return fail('the row at the checkpoint differs from the checkpoint');
          if (row.seq < hmacFrom) return fail('the checkpoint row is not HMAC-chained');
          checkpointSeen = true;
        }
        prev = hash;
        expectedSeq += 1;
        rows += 1;
      }
      if (page.length < 500) break;
    }
    if (Number(head.seq) !== rows || head.hash !== prev) {
      return {
        ok: false,
        rows,
        seq: rows + 1,
        problem: 'the chain head does not match the last row (rows removed?)',
      };
    }
    if (checkpoint && !checkpointSeen && checkpoint.seq !== 0) {
      return {
        ok: false,
        rows,
        seq: checkpoint.seq,
        problem: `the log ends at row ${rows}, before the checkpoint's row ${checkpoint.seq} (truncated)`,
      };
    }
    return { ok: true, rows, head: prev, checkpoint: `${rows}:${prev}` };
  }
}
