import type { ClinicianTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';

export type ClinicianRow = ClinicianTable;
export type ClinicianPatch = Partial<Omit<ClinicianRow, 'id' | 'created_at'>>;

const COLUMNS = [
  'id',
  'email',
  'name',
  'npi',
  'credentials',
  'states',
  'licenses',
  'practice_address',
  'password_hash',
  'created_at',
  'disabled_at',
  'role',
  'sandbox',
  'reset_token_hash',
  'reset_expires_at',
] as const satisfies readonly (keyof ClinicianRow)[];

export function clinicianStates(row: Pick<ClinicianRow, 'states'>): string[] {
  return JSON.parse(row.states) as string[];
}

/** State code → licence number (issue 10 item 3). */
export function clinicianLicenses(row: Pick<ClinicianRow, 'licenses'>): Record<string, string> {
  return JSON.parse(row.licenses) as Record<string, string>;
}

export class CliniciansRepository {
  async insert(db: Executor, row: ClinicianRow): Promise<void> {
    await db.insertInto('clinicians').values(row).execute();
  }

  async find(db: Executor, id: string): Promise<ClinicianRow | undefined> {
    return db.selectFrom('clinicians').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  async findByEmail(db: Executor, email: string): Promise<ClinicianRow | undefined> {
    return db
      .selectFrom('clinicians')
      .select(COLUMNS)
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
  }

  /** The clinician's own profile (issue 10 item 3): practice address and licence numbers. */
  async updateProfile(
    db: Executor,
    id: string,
    profile: Pick<ClinicianRow, 'licenses' | 'practice_address'>,
  ): Promise<void> {
    await db.updateTable('clinicians').set(profile).where('id', '=', id).execute();
  }

  async findByResetHash(db: Executor, tokenHash: string): Promise<ClinicianRow | undefined> {
    return db
      .selectFrom('clinicians')
      .select(COLUMNS)
      .where('reset_token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  async update(db: Executor, id: string, patch: ClinicianPatch): Promise<void> {
    await db.updateTable('clinicians').set(patch).where('id', '=', id).execute();
  }

  async list(db: Executor): Promise<ClinicianRow[]> {
    return db.selectFrom('clinicians').select(COLUMNS).orderBy('created_at', 'asc').execute();
  }

  async count(db: Executor): Promise<number> {
    const row = await db
      .selectFrom('clinicians')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
