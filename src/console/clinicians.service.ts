import type { AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/database.js';
import { isUniqueViolation } from '../db/dialect.js';
import { transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { newId, randomToken } from '../lib/ids.js';
import { US_STATES } from '../survey/definition.js';
import {
  type ClinicianRow,
  type CliniciansRepository,
  clinicianLicenses,
  clinicianStates,
} from './clinicians.repository.js';
import { DUMMY_PASSWORD_HASH, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.js';

export interface NewClinician {
  email: string;
  name: string;
  npi: string;
  credentials?: string;
  states: string[];
  /** State code → licence number (issue 10 item 3); their states join `states`. */
  licenses?: Record<string, string>;
  practiceAddress?: string;
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
  licenses: Record<string, string>;
  practice_address: string | null;
}

export interface ClinicianProfile {
  practiceAddress: string;
  /** State code → licence number; an empty number removes it. */
  licenses: Record<string, string>;
}

export const PRACTICE_ADDRESS_MAX = 500;
export const LICENSE_NUMBER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ./-]{0,39}$/;

export class ClinicianInputError extends Error {}

export function summarize(row: ClinicianRow): ClinicianSummary {
  return {
    clinician_id: row.id,
    email: row.email,
    name: row.name,
    npi: row.npi,
    credentials: row.credentials,
    states: clinicianStates(row),
    licenses: clinicianLicenses(row),
    practice_address: row.practice_address,
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
    const licenses: Record<string, string> = {};
    for (const [state, number] of Object.entries(input.licenses ?? {})) {
      const code = state.trim().toUpperCase();
      if (!(code in US_STATES)) problems.push(`--license has an unknown state code: ${state}`);
      else if (!LICENSE_NUMBER_PATTERN.test(number.trim()))
        problems.push(`--license ${code}= must be a licence number (letters, digits, up to 40)`);
      else licenses[code] = number.trim();
    }
    const states = [
      ...new Set(
        [...input.states.map((s) => s.trim().toUpperCase()), ...Object.keys(licenses)].filter(
          (s) => s !== '',
        ),
      ),
    ];
    const unknown = states.filter((s) => !(s in US_STATES));
    if (states.length === 0) problems.push('--states or --license must name at least one US state (e.g. CA)');
    if (unknown.length > 0) problems.push(`--states has unknown state codes: ${unknown.join(', ')}`);
    const practiceAddress = input.practiceAddress?.trim() || null;
    if (practiceAddress && practiceAddress.length > PRACTICE_ADDRESS_MAX)
      problems.push(`--practice-address must be at most ${PRACTICE_ADDRESS_MAX} characters`);
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
      licenses: JSON.stringify(licenses),
      practice_address: practiceAddress,
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

  /**
   * Issue 10 item 3 — a clinician edits their own practice address and licence numbers, for the
   * states they are licensed in (which states is the operator's or an admin's call).
   */
  async updateProfile(clinician: ClinicianRow, profile: ClinicianProfile): Promise<ClinicianRow> {
    const states = new Set(clinicianStates(clinician));
    const licenses: Record<string, string> = {};
    for (const [state, number] of Object.entries(profile.licenses))
      if (states.has(state) && number.trim() !== '') licenses[state] = number.trim();
    const updated = {
      licenses: JSON.stringify(licenses),
      practice_address: profile.practiceAddress.trim() || null,
    };
    await transact(this.database, async (tx) => {
      await this.repo.updateProfile(tx.db, clinician.id, updated);
      await this.audit.append(tx, {
        actorType: 'clinician',
        actorId: clinician.id,
        action: 'clinician.profile',
        subjectId: clinician.id,
        details: { license_states: Object.keys(licenses).sort().join(',') },
      });
    });
    return { ...clinician, ...updated };
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
