import type { AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/database.js';
import { isUniqueViolation } from '../db/dialect.js';
import { transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { newId, randomToken } from '../lib/ids.js';
import { US_STATES } from '../survey/definition.js';
import { type ClinicianRow, type CliniciansRepository, clinicianStates } from './clinicians.repository.js';
import { DUMMY_PASSWORD_HASH, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.js';

export interface NewClinician {
  email: string;
  name: string;
  npi: string;
  credentials?: string;
  states: string[];
  /** Omitted: one is generated and returned once. */
  password?: string;
}

export interface ClinicianSummary {
  clinician_id: string;
  email: string;
  name: string;
  npi: string;
  credentials: string;
  states: string[];
}

export class ClinicianInputError extends Error {}

export function summarize(row: ClinicianRow): ClinicianSummary {
  return {
    clinician_id: row.id,
    email: row.email,
    name: row.name,
    npi: row.npi,
    credentials: row.credentials,
    states: clinicianStates(row),
  };
}

/** SPEC §2.3 — clinician accounts: created by the operator (CLI), signed in on the console. */
export class CliniciansService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: CliniciansRepository,
    private readonly audit: AuditService,
  ) {}

  async add(input: NewClinician): Promise<ClinicianSummary & { password?: string }> {
    const problems: string[] = [];
    const email = input.email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254)
      problems.push('--email must be an email address');
    const name = input.name.trim();
    if (name === '' || name.length > 255) problems.push('--name must be 1 to 255 characters');
    if (!/^\d{10}$/.test(input.npi)) problems.push('--npi must be the 10-digit National Provider Identifier');
    const states = [...new Set(input.states.map((s) => s.trim().toUpperCase()).filter((s) => s !== ''))];
    const unknown = states.filter((s) => !(s in US_STATES));
    if (states.length === 0) problems.push('--states must list at least one US state (e.g. CA,NY)');
    if (unknown.length > 0) problems.push(`--states has unknown state codes: ${unknown.join(', ')}`);
    const generated = input.password === undefined ? randomToken(18) : undefined;
    const password = input.password ?? generated!;
    if (password.length < MIN_PASSWORD_LENGTH)
      problems.push(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
    if (problems.length > 0) throw new ClinicianInputError(problems.join('; '));

    const row: ClinicianRow = {
      id: newId('cl'),
      email,
      name,
      npi: input.npi,
      credentials: (input.credentials ?? 'MD').trim() || 'MD',
      states: JSON.stringify(states.sort()),
      password_hash: await hashPassword(password),
      created_at: this.clock.now(),
      disabled_at: null,
    };
    try {
      await transact(this.database, async (tx) => {
        await this.repo.insert(tx.db, row);
        await this.audit.append(tx, {
          actorType: 'operator',
          action: 'clinician.add',
          subjectId: row.id,
          details: { states: states.join(',') },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ClinicianInputError(`a clinician with email ${email} already exists`);
      throw error;
    }
    return { ...summarize(row), ...(generated ? { password: generated } : {}) };
  }

  async list(): Promise<ClinicianSummary[]> {
    return (await this.repo.list(this.database.db)).map(summarize);
  }

  async count(): Promise<number> {
    return this.repo.count(this.database.db);
  }

  async find(id: string): Promise<ClinicianRow | undefined> {
    return this.repo.find(this.database.db, id);
  }

  /** The same work (one scrypt) whether or not the email exists: no account enumeration by timing. */
  async authenticate(email: string, password: string): Promise<ClinicianRow | undefined> {
    const row = await this.repo.findByEmail(this.database.db, email.trim());
    const matches = await verifyPassword(password, row?.password_hash ?? DUMMY_PASSWORD_HASH);
    return row && matches && row.disabled_at === null ? row : undefined;
  }
}
