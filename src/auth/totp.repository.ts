import type { AuthRecoveryCodeTable, AuthTotpTable } from '../db/schema.auth.js';
import type { Executor } from '../db/transaction.js';
import { sealedColumn } from '../phi/sealed-column.repository.js';
import type { Principal } from './auth.vocabulary.js';

export type TotpRow = AuthTotpTable;
export type RecoveryCodeRow = AuthRecoveryCodeTable;

/** Issue 11 item 2 — the TOTP secret is sealed at rest (listed in `src/phi/sealed-columns.ts`). */
export const SEALED_TOTP_SECRETS = sealedColumn('auth_totp', 'id', 'secret');

export const totpRowId = (principal: Principal) => `${principal.kind}:${principal.id}`;

/** SQL of `auth_totp` and `auth_recovery_codes`: second factors of any kind of account. */
export class TotpRepository {
  async find(db: Executor, principal: Principal): Promise<TotpRow | undefined> {
    return db
      .selectFrom('auth_totp')
      .select(['id', 'principal_kind', 'principal_id', 'secret', 'enrolled_at', 'last_step', 'created_at'])
      .where('id', '=', totpRowId(principal))
      .executeTakeFirst();
  }

  /** Replaces any factor of the principal (a new enrolment starts over). */
  async put(db: Executor, row: TotpRow): Promise<void> {
    await db.deleteFrom('auth_totp').where('id', '=', row.id).execute();
    await db.insertInto('auth_totp').values(row).execute();
  }

  async markEnrolled(db: Executor, principal: Principal, now: number, step: number): Promise<boolean> {
    const result = await db
      .updateTable('auth_totp')
      .set({ enrolled_at: now, last_step: step })
      .where('id', '=', totpRowId(principal))
      .where('enrolled_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Compare-and-set: accepts `step` only when it is later than any accepted before (no replay). */
  async advanceStep(db: Executor, principal: Principal, step: number): Promise<boolean> {
    const result = await db
      .updateTable('auth_totp')
      .set({ last_step: step })
      .where('id', '=', totpRowId(principal))
      .where('last_step', '<', step)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async remove(db: Executor, principal: Principal): Promise<void> {
    await db.deleteFrom('auth_totp').where('id', '=', totpRowId(principal)).execute();
    await db
      .deleteFrom('auth_recovery_codes')
      .where('principal_kind', '=', principal.kind)
      .where('principal_id', '=', principal.id)
      .execute();
  }

  async replaceRecoveryCodes(db: Executor, principal: Principal, rows: RecoveryCodeRow[]): Promise<void> {
    await db
      .deleteFrom('auth_recovery_codes')
      .where('principal_kind', '=', principal.kind)
      .where('principal_id', '=', principal.id)
      .execute();
    await db.insertInto('auth_recovery_codes').values(rows).execute();
  }

  /** Marks one unused code used; false when there is no such unused code. */
  async useRecoveryCode(db: Executor, principal: Principal, codeHash: string, now: number): Promise<boolean> {
    const result = await db
      .updateTable('auth_recovery_codes')
      .set({ used_at: now })
      .where('principal_kind', '=', principal.kind)
      .where('principal_id', '=', principal.id)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async unusedRecoveryCodes(db: Executor, principal: Principal): Promise<number> {
    const row = await db
      .selectFrom('auth_recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('principal_kind', '=', principal.kind)
      .where('principal_id', '=', principal.id)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
