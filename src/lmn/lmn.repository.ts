import type { LmnTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';
import { sealedColumn } from '../phi/sealed-column.repository.js';

export type LmnRow = LmnTable;

const COLUMNS = [
  'id',
  'session_id',
  'verification_code',
  'livemode',
  'clinician_id',
  'clinician_name',
  'clinician_credentials',
  'clinician_npi',
  'clinician_state',
  'clinician_license',
  'clinician_address',
  'shopper_name',
  'shopper_email',
  'shopper_state',
  'covered_items',
  'clinical',
  'issued_at',
  'expires_at',
] as const satisfies readonly (keyof LmnRow)[];

/** SPEC §2.6 — the letter's clinical text, sealed (issue 13 item 2: listed in `src/phi/sealed-columns.ts`). */
export const SEALED_LETTER_CLINICAL = sealedColumn('lmns', 'id', 'clinical');

export class LmnRepository {
  async insert(db: Executor, row: LmnRow): Promise<void> {
    await db.insertInto('lmns').values(row).execute();
  }

  async findBySession(db: Executor, sessionId: string): Promise<LmnRow | undefined> {
    return db.selectFrom('lmns').select(COLUMNS).where('session_id', '=', sessionId).executeTakeFirst();
  }

  async findByCode(db: Executor, code: string): Promise<LmnRow | undefined> {
    return db.selectFrom('lmns').select(COLUMNS).where('verification_code', '=', code).executeTakeFirst();
  }
}
