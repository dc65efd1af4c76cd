import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import { randomToken } from '../lib/ids.js';
import type { ClinicianRow } from './clinicians.repository.js';
import type { CliniciansService } from './clinicians.service.js';
import type { ConsoleSessionsRepository } from './console-sessions.repository.js';

/** SPEC §2.3 — a console session ends after 30 minutes without a request. */
export const IDLE_TIMEOUT_MS = 30 * 60_000;
/** However active, a session is signed out after 12 hours. */
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60_000;
/** `last_seen_at` is written at most once a minute, not on every page view. */
const TOUCH_EVERY_MS = 60_000;

export interface SignedIn {
  token: string;
  clinician: ClinicianRow;
}

export type ConsoleContext =
  | { state: 'signed_in'; clinician: ClinicianRow; csrf: string; tokenHash: string }
  | { state: 'expired' }
  | { state: 'none' };

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function sameToken(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Server-side console sessions: the cookie holds a random token, the table only its hash. */
export class ConsoleAuthService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: ConsoleSessionsRepository,
    private readonly clinicians: CliniciansService,
    private readonly audit: AuditService,
  ) {}

  async signIn(email: string, password: string): Promise<SignedIn | undefined> {
    const clinician = await this.clinicians.authenticate(email, password);
    if (!clinician) {
      await this.audit.record({
        actorType: 'anonymous',
        action: 'console.sign_in_failed',
        details: { email: email.trim().toLowerCase().slice(0, 254) },
      });
      return undefined;
    }
    const token = randomToken(32);
    const now = this.clock.now();
    await this.repo.insert(this.database.db, {
      token_hash: hashToken(token),
      clinician_id: clinician.id,
      csrf_token: randomToken(24),
      created_at: now,
      last_seen_at: now,
      ended_at: null,
    });
    await this.audit.record({ actorType: 'clinician', actorId: clinician.id, action: 'console.sign_in' });
    return { token, clinician };
  }

  /** Resolves the cookie; an idle or too old session is ended and reported as expired. */
  async resolve(token: string | undefined): Promise<ConsoleContext> {
    if (!token) return { state: 'none' };
    const tokenHash = hashToken(token);
    const row = await this.repo.find(this.database.db, tokenHash);
    if (!row || row.ended_at !== null) return { state: 'none' };
    const now = this.clock.now();
    if (
      now - Number(row.last_seen_at) > IDLE_TIMEOUT_MS ||
      now - Number(row.created_at) > ABSOLUTE_TIMEOUT_MS
    ) {
      await this.repo.end(this.database.db, tokenHash, now);
      return { state: 'expired' };
    }
    const clinician = await this.clinicians.find(row.clinician_id);
    if (!clinician || clinician.disabled_at !== null) return { state: 'none' };
    if (now - Number(row.last_seen_at) >= TOUCH_EVERY_MS)
      await this.repo.touch(this.database.db, tokenHash, now);
    return { state: 'signed_in', clinician, csrf: row.csrf_token, tokenHash };
  }

  async signOut(tokenHash: string, clinicianId: string): Promise<void> {
    await this.repo.end(this.database.db, tokenHash, this.clock.now());
    await this.audit.record({ actorType: 'clinician', actorId: clinicianId, action: 'console.sign_out' });
  }
}
