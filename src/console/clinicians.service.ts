import { createHash } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.js';
import type { TotpService } from '../auth/totp.service.js';
import type { Database } from '../db/database.js';
import { isUniqueViolation } from '../db/dialect.js';
import { transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { newId, randomToken } from '../lib/ids.js';
import { US_STATES } from '../survey/definition.js';
import {
  type ClinicianPatch,
  type ClinicianRow,
  type CliniciansRepository,
  clinicianLicenses,
  clinicianStates,
} from './clinicians.repository.js';
import {
  CLINICIAN_ROLES,
  type ClinicianRole,
  SANDBOX_ACCESS,
  type SandboxAccess,
} from './clinicians.vocabulary.js';
import type { ConsoleSessionsRepository } from './console-sessions.repository.js';
import { isValidNpi } from './npi.js';
import { DUMMY_PASSWORD_HASH, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.js';

export interface NewClinician {
  email: string;
  name: string;
  /** Required for the role `clinician`; an admin who does not review may have none. */
  npi?: string;
  credentials?: string;
  states?: string[];
  /** State code → licence number (issue 10 item 3); their states join `states`. */
  licenses?: Record<string, string>;
  practiceAddress?: string;
  role?: ClinicianRole;
  sandbox?: SandboxAccess;
  /** Omitted: one is generated and returned once. */
  password?: string;
}

/** Issue 11 item 1 — what `edit` may change (licence numbers and the address join at merge). */
export interface ClinicianEdit {
  name?: string;
  credentials?: string;
  npi?: string;
  states?: string[];
  role?: ClinicianRole;
  sandbox?: SandboxAccess;
  /** Replaces every licence number; their states join the clinician's states. */
  licenses?: Record<string, string>;
  practiceAddress?: string;
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
  role: ClinicianRole;
  sandbox: SandboxAccess;
  disabled: boolean;
}

/** Who changes an account: the operator at the CLI, or an admin in the console. */
export type AccountActor = { type: 'operator' } | { type: 'clinician'; id: string };

export interface ClinicianProfile {
  practiceAddress: string;
  /** State code → licence number; an empty number removes it. */
  licenses: Record<string, string>;
}

export const PRACTICE_ADDRESS_MAX = 500;
export const LICENSE_NUMBER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ./-]{0,39}$/;

export class ClinicianInputError extends Error {}

/** Issue 11 item 1 — a password-reset link is good for one hour and one use. */
export const RESET_LINK_MS = 60 * 60_000;

export const hashResetToken = (token: string) => createHash('sha256').update(`reset:${token}`).digest('hex');

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
    role: row.role,
    sandbox: row.sandbox,
    disabled: row.disabled_at !== null,
  };
}

const auditActor = (actor: AccountActor) =>
  actor.type === 'operator'
    ? { actorType: 'operator' as const }
    : { actorType: 'clinician' as const, actorId: actor.id };

function checkStates(input: string[], problems: string[]): string[] {
  const states = [...new Set(input.map((s) => s.trim().toUpperCase()).filter((s) => s !== ''))];
  const unknown = states.filter((s) => !(s in US_STATES));
  if (unknown.length > 0) problems.push(`--states has unknown state codes: ${unknown.join(', ')}`);
  return states.sort();
}

/** Issue 10 item 3 — `--license CA=A12345`: known states, plausible numbers. */
function checkLicenses(input: Record<string, string>, problems: string[]): Record<string, string> {
  const licenses: Record<string, string> = {};
  for (const [state, number] of Object.entries(input)) {
    const code = state.trim().toUpperCase();
    if (!(code in US_STATES)) problems.push(`--license has an unknown state code: ${state}`);
    else if (!LICENSE_NUMBER_PATTERN.test(number.trim()))
      problems.push(`--license ${code}= must be a licence number (letters, digits, up to 40)`);
    else licenses[code] = number.trim();
  }
  return licenses;
}

function checkNpi(npi: string, problems: string[]): void {
  if (!/^\d{10}$/.test(npi)) problems.push('--npi must be the 10-digit National Provider Identifier');
  else if (!isValidNpi(npi))
    problems.push('--npi fails the NPI check digit (Luhn with prefix 80840): check for a typing error');
}

/** SPEC §2.3, issue 11 item 1 — clinician and admin accounts: CLI for everyone, console for admins. */
export class CliniciansService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: CliniciansRepository,
    private readonly consoleSessions: ConsoleSessionsRepository,
    private readonly totp: TotpService,
    private readonly audit: AuditService,
  ) {}

  async add(
    input: NewClinician,
    actor: AccountActor = { type: 'operator' },
  ): Promise<ClinicianSummary & { password?: string }> {
    const problems: string[] = [];
    const email = input.email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254)
      problems.push('--email must be an email address');
    const name = input.name.trim();
    if (name === '' || name.length > 255) problems.push('--name must be 1 to 255 characters');
    const role = input.role ?? 'clinician';
    if (!CLINICIAN_ROLES.includes(role)) problems.push(`--role must be one of ${CLINICIAN_ROLES.join(', ')}`);
    const sandbox = input.sandbox ?? 'none';
    if (!SANDBOX_ACCESS.includes(sandbox))
      problems.push(`sandbox must be one of ${SANDBOX_ACCESS.join(', ')}`);
    const npi = (input.npi ?? '').trim();
    if (role === 'clinician' || npi !== '') checkNpi(npi, problems);
    const licenses = checkLicenses(input.licenses ?? {}, problems);
    const states = checkStates([...(input.states ?? []), ...Object.keys(licenses)], problems);
    if (role === 'clinician' && states.length === 0)
      problems.push('--states or --license must name at least one US state (e.g. CA)');
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
      npi,
      credentials: (input.credentials ?? 'MD').trim() || 'MD',
      states: JSON.stringify(states),
      licenses: JSON.stringify(licenses),
      practice_address: practiceAddress,
      password_hash: await hashPassword(password),
      created_at: this.clock.now(),
      disabled_at: null,
      role,
      sandbox,
      reset_token_hash: null,
      reset_expires_at: null,
    };
    try {
      await transact(this.database, async (tx) => {
        await this.repo.insert(tx.db, row);
        await this.audit.append(tx, {
          ...auditActor(actor),
          action: 'clinician.add',
          subjectId: row.id,
          details: { states: states.join(','), role, sandbox },
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

  async edit(idOrEmail: string, edit: ClinicianEdit, actor: AccountActor): Promise<ClinicianSummary> {
    const row = await this.mustFind(idOrEmail);
    const problems: string[] = [];
    const patch: ClinicianPatch = {};
    if (edit.name !== undefined) {
      const name = edit.name.trim();
      if (name === '' || name.length > 255) problems.push('--name must be 1 to 255 characters');
      patch.name = name;
    }
    if (edit.credentials !== undefined) patch.credentials = edit.credentials.trim() || 'MD';
    if (edit.npi !== undefined) {
      checkNpi(edit.npi.trim(), problems);
      patch.npi = edit.npi.trim();
    }
    if (edit.licenses !== undefined) {
      const licenses = checkLicenses(edit.licenses, problems);
      patch.licenses = JSON.stringify(licenses);
      const states = edit.states ?? clinicianStates(row);
      patch.states = JSON.stringify(checkStates([...states, ...Object.keys(licenses)], problems));
    } else if (edit.states !== undefined) patch.states = JSON.stringify(checkStates(edit.states, problems));
    if (edit.practiceAddress !== undefined) {
      const address = edit.practiceAddress.trim();
      if (address.length > PRACTICE_ADDRESS_MAX)
        problems.push(`--practice-address must be at most ${PRACTICE_ADDRESS_MAX} characters`);
      patch.practice_address = address || null;
    }
    if (edit.role !== undefined) {
      if (!CLINICIAN_ROLES.includes(edit.role))
        problems.push(`--role must be one of ${CLINICIAN_ROLES.join(', ')}`);
      patch.role = edit.role;
    }
    if (edit.sandbox !== undefined) {
      if (!SANDBOX_ACCESS.includes(edit.sandbox))
        problems.push(`sandbox must be one of ${SANDBOX_ACCESS.join(', ')}`);
      patch.sandbox = edit.sandbox;
    }
    const next = { ...row, ...patch };
    if (next.role === 'clinician' && clinicianStates(next).length === 0)
      problems.push('a clinician must be licensed in at least one state');
    if (next.role === 'clinician' && !isValidNpi(next.npi)) problems.push('a clinician needs a valid NPI');
    if (problems.length > 0) throw new ClinicianInputError(problems.join('; '));
    await transact(this.database, async (tx) => {
      await this.repo.update(tx.db, row.id, patch);
      await this.audit.append(tx, {
        ...auditActor(actor),
        action: 'clinician.edit',
        subjectId: row.id,
        details: { fields: Object.keys(patch).sort().join(',') },
      });
    });
    return summarize(next);
  }

  /** A disabled account cannot sign in, and every session it has open ends at once. */
  async setDisabled(idOrEmail: string, disabled: boolean, actor: AccountActor): Promise<ClinicianSummary> {
    const row = await this.mustFind(idOrEmail);
    if (actor.type === 'clinician' && actor.id === row.id && disabled)
      throw new ClinicianInputError('you cannot disable your own account');
    const now = this.clock.now();
    const disabledAt = disabled ? (row.disabled_at ?? now) : null;
    await transact(this.database, async (tx) => {
      await this.repo.update(tx.db, row.id, { disabled_at: disabledAt });
      const ended = disabled ? await this.consoleSessions.endAllFor(tx.db, row.id, now) : 0;
      await this.audit.append(tx, {
        ...auditActor(actor),
        action: disabled ? 'clinician.disable' : 'clinician.enable',
        subjectId: row.id,
        ...(disabled ? { details: { sessions_ended: ended } } : {}),
      });
    });
    return summarize({ ...row, disabled_at: disabledAt });
  }

  /**
   * A one-time link to choose a new password, valid for an hour; the token is returned once and
   * only its hash is kept. `resetMfa` also removes the second factor (a lost phone).
   */
  async startPasswordReset(
    idOrEmail: string,
    actor: AccountActor,
    options: { resetMfa?: boolean } = {},
  ): Promise<{ clinician: ClinicianSummary; token: string; expiresAt: number }> {
    const row = await this.mustFind(idOrEmail);
    const token = randomToken(24);
    const expiresAt = this.clock.now() + RESET_LINK_MS;
    await transact(this.database, async (tx) => {
      await this.repo.update(tx.db, row.id, {
        reset_token_hash: hashResetToken(token),
        reset_expires_at: expiresAt,
      });
      await this.audit.append(tx, {
        ...auditActor(actor),
        action: 'clinician.reset_password',
        subjectId: row.id,
        details: { reset_mfa: options.resetMfa === true },
      });
    });
    if (options.resetMfa) await this.totp.remove({ kind: 'clinician', id: row.id });
    return { clinician: summarize(row), token, expiresAt };
  }

  /** The account a reset link is for, while the link is unused and not expired. */
  async resetTarget(token: string): Promise<ClinicianRow | undefined> {
    if (typeof token !== 'string' || token.length < 16 || token.length > 64) return undefined;
    const row = await this.repo.findByResetHash(this.database.db, hashResetToken(token));
    if (!row || row.reset_expires_at === null || Number(row.reset_expires_at) <= this.clock.now())
      return undefined;
    return row;
  }

  /** Sets the new password, spends the link and ends every open session of the account. */
  async completePasswordReset(token: string, password: string): Promise<ClinicianRow | undefined> {
    const row = await this.resetTarget(token);
    if (!row) return undefined;
    const hash = await hashPassword(password);
    const now = this.clock.now();
    return transact(this.database, async (tx) => {
      const current = await this.repo.findByResetHash(tx.db, hashResetToken(token));
      if (!current) return undefined;
      await this.repo.update(tx.db, row.id, {
        password_hash: hash,
        reset_token_hash: null,
        reset_expires_at: null,
      });
      await this.consoleSessions.endAllFor(tx.db, row.id, now);
      await this.audit.append(tx, {
        actorType: 'clinician',
        actorId: row.id,
        action: 'clinician.password_set',
      });
      return row;
    });
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

  async findByEmail(email: string): Promise<ClinicianRow | undefined> {
    return this.repo.findByEmail(this.database.db, email.trim());
  }

  /** The same work (one scrypt) whether or not the email exists: no account enumeration by timing. */
  async authenticate(email: string, password: string): Promise<ClinicianRow | undefined> {
    const row = await this.repo.findByEmail(this.database.db, email.trim());
    const matches = await verifyPassword(password, row?.password_hash ?? DUMMY_PASSWORD_HASH);
    return row && matches && row.disabled_at === null ? row : undefined;
  }

  private async mustFind(idOrEmail: string): Promise<ClinicianRow> {
    const key = idOrEmail.trim();
    const row = key.includes('@')
      ? await this.repo.findByEmail(this.database.db, key)
      : await this.repo.find(this.database.db, key);
    if (!row) throw new ClinicianInputError(`no clinician ${key}`);
    return row;
  }
}
