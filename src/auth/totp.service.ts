import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Database } from '../db/database.js';
import { transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { PhiCipher } from '../phi/phi.cipher.js';
import type { Principal } from './auth.vocabulary.js';
import { SEALED_TOTP_SECRETS, type TotpRepository, totpRowId } from './totp.repository.js';

/** RFC 6238 defaults every authenticator app understands. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** One step either side of now: a phone clock a little off still works. */
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;

export interface Enrolment {
  /** Base32, shown as text beside the QR code. */
  secret: string;
  /** The `otpauth://` URI the QR code encodes. */
  uri: string;
}

export type CodeCheck = 'ok' | 'wrong' | 'replayed';

const hashCode = (code: string) => createHash('sha256').update(normaliseRecovery(code)).digest('hex');
const normaliseRecovery = (code: string) => code.trim().toLowerCase().replace(/[\s-]/g, '');

/** Ten characters of Crockford-style base32 in two groups: `k7m2p-9xq4d` (50 bits). */
function recoveryCode(): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => alphabet[b % 32]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/**
 * Issue 11 item 2 — a TOTP second factor for any kind of account (RFC 6238 with `otpauth`): the
 * secret sealed at rest, each accepted time step remembered so a code is never accepted twice, and
 * ten one-time recovery codes stored as hashes.
 */
export class TotpService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: TotpRepository,
    private readonly cipher: PhiCipher,
    private readonly issuer = 'Qualify',
  ) {}

  async enrolled(principal: Principal): Promise<boolean> {
    const row = await this.repo.find(this.database.db, principal);
    return row?.enrolled_at !== null && row?.enrolled_at !== undefined;
  }

  /** The pending secret to enrol (a new one unless one is already pending). */
  async beginEnrolment(principal: Principal, label: string): Promise<Enrolment> {
    const existing = await this.repo.find(this.database.db, principal);
    let secret: string;
    if (existing && existing.enrolled_at === null) {
      secret = this.open(existing.secret, principal);
    } else {
      secret = new Secret({ size: 20 }).base32;
      const id = totpRowId(principal);
      await this.repo.put(this.database.db, {
        id,
        principal_kind: principal.kind,
        principal_id: principal.id,
        secret: this.cipher.encrypt(secret, SEALED_TOTP_SECRETS.context(id)),
        enrolled_at: null,
        last_step: 0,
        created_at: this.clock.now(),
      });
    }
    return { secret, uri: this.totp(secret, label).toString() };
  }

  /** Confirms the pending secret with a first code; the recovery codes (shown once) on success. */
  async confirmEnrolment(principal: Principal, code: string): Promise<string[] | undefined> {
    const row = await this.repo.find(this.database.db, principal);
    if (!row || row.enrolled_at !== null) return undefined;
    const step = this.stepOf(this.open(row.secret, principal), code);
    if (step === undefined) return undefined;
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, recoveryCode);
    const now = this.clock.now();
    const done = await transact(this.database, async (tx) => {
      if (!(await this.repo.markEnrolled(tx.db, principal, now, step))) return false;
      await this.repo.replaceRecoveryCodes(
        tx.db,
        principal,
        codes.map((c) => ({
          id: newId('rc'),
          principal_kind: principal.kind,
          principal_id: principal.id,
          code_hash: hashCode(c),
          created_at: now,
          used_at: null,
        })),
      );
      return true;
    });
    return done ? codes : undefined;
  }

  /** A code from the app (once per time step) or an unused recovery code. */
  async check(principal: Principal, code: string): Promise<CodeCheck> {
    const row = await this.repo.find(this.database.db, principal);
    if (!row || row.enrolled_at === null) return 'wrong';
    const digits = code.replace(/\s/g, '');
    if (/^\d{6}$/.test(digits)) {
      const step = this.stepOf(this.open(row.secret, principal), digits);
      if (step === undefined) return 'wrong';
      return (await this.repo.advanceStep(this.database.db, principal, step)) ? 'ok' : 'replayed';
    }
    if (normaliseRecovery(code).length !== 10) return 'wrong';
    const used = await this.repo.useRecoveryCode(
      this.database.db,
      principal,
      hashCode(code),
      this.clock.now(),
    );
    return used ? 'ok' : 'wrong';
  }

  async recoveryCodesLeft(principal: Principal): Promise<number> {
    return this.repo.unusedRecoveryCodes(this.database.db, principal);
  }

  /** Removes the factor and its recovery codes: the next sign-in enrols again. */
  async remove(principal: Principal): Promise<void> {
    await transact(this.database, (tx) => this.repo.remove(tx.db, principal));
  }

  /** The time step a valid code belongs to, or undefined. */
  private stepOf(secret: string, code: string): number | undefined {
    const token = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(token)) return undefined;
    const timestamp = this.clock.now();
    const delta = this.totp(secret).validate({ token, timestamp, window: WINDOW });
    if (delta === null) return undefined;
    return Math.floor(timestamp / 1000 / PERIOD_SECONDS) + delta;
  }

  private totp(secret: string, label = ''): TOTP {
    return new TOTP({
      issuer: this.issuer,
      label,
      algorithm: 'SHA1',
      digits: DIGITS,
      period: PERIOD_SECONDS,
      secret: Secret.fromBase32(secret),
    });
  }

  private open(sealed: string, principal: Principal): string {
    return this.cipher.decrypt(sealed, SEALED_TOTP_SECRETS.context(totpRowId(principal)));
  }
}
