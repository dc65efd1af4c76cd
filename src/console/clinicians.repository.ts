import type { ClinicianTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';

export type ClinicianRow = ClinicianTable;

const COLUMNS = [
  'id',
  'email',
  'name',
  'npi',
  'credentials',
  'states',
  'password_hash',
  'created_at',
  'disabled_at',
] as const satisfies readonly (keyof ClinicianRow)[];

export function clinicianStates(row: Pick<ClinicianRow, 'states'>): string[] {
  return JSON.parse(row.states) as string[];
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
