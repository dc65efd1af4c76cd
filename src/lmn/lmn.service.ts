import type { ClinicianRow } from '../console/clinicians.repository.js';
import type { Database } from '../db/database.js';
import type { Tx } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { PhiCipher } from '../phi/phi.cipher.js';
import type { SessionRow } from '../sessions/sessions.repository.js';
import type { OrderItem } from '../sessions/sessions.schemas.js';
import { newVerificationCode, normalizeVerificationCode } from './lmn.code.js';
import type { LmnRepository, LmnRow } from './lmn.repository.js';

/** The letter's clinical part: encrypted at rest (SPEC §2.6). */
export interface LmnClinical {
  conditions: string[];
  statement: string;
}

/** A letter as the shopper sees it on their link (SPEC §2.5). */
export interface Letter {
  row: LmnRow;
  coveredItems: OrderItem[];
  clinical: LmnClinical;
}

/** Public verification: no health information, no shopper (SPEC §2.5). */
export type Verification =
  | { status: 'unknown' }
  | {
      status: 'valid' | 'expired';
      code: string;
      clinicianName: string;
      clinicianCredentials: string;
      issuedAt: number;
      expiresAt: number;
    };

export interface IssueInput {
  session: SessionRow;
  clinician: ClinicianRow;
  /** Plain-words labels of the conditions relied on. */
  conditions: string[];
  coveredItems: OrderItem[];
}

const clinicalContext = (id: string) => `lmns.clinical:${id}`;

export class LmnService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: LmnRepository,
    private readonly cipher: PhiCipher,
  ) {}

  /** Issued in the approval's transaction: an approved session and its letter commit together. */
  async issue(tx: Tx, input: IssueInput): Promise<LmnRow> {
    const { session, clinician } = input;
    const id = newId('lmn');
    let code = newVerificationCode();
    // 50 random bits make a clash rare; checking first keeps a clash from aborting the approval.
    while (await this.repo.findByCode(tx.db, code)) code = newVerificationCode();
    const clinical: LmnClinical = {
      conditions: input.conditions,
      statement:
        `I have reviewed this patient's health history through a telehealth assessment. In my clinical ` +
        `judgement the items listed below are medically necessary to treat or mitigate the conditions ` +
        `listed, and are not for general health purposes.`,
    };
    const row: LmnRow = {
      id,
      session_id: session.id,
      verification_code: code,
      clinician_id: clinician.id,
      clinician_name: clinician.name,
      clinician_credentials: clinician.credentials,
      clinician_npi: clinician.npi,
      clinician_state: session.shopper_state ?? '',
      shopper_name: session.customer_name,
      shopper_email: session.email,
      shopper_state: session.shopper_state ?? '',
      covered_items: JSON.stringify(input.coveredItems),
      clinical: this.cipher.encryptJson(clinical, clinicalContext(id)),
      issued_at: session.lmn_reviewed_at ?? this.clock.now(),
      expires_at: session.expires_at ?? this.clock.now(),
    };
    await this.repo.insert(tx.db, row);
    return row;
  }

  async letterForSession(sessionId: string): Promise<Letter | undefined> {
    const row = await this.repo.findBySession(this.database.db, sessionId);
    if (!row) return undefined;
    return {
      row,
      coveredItems: JSON.parse(row.covered_items) as OrderItem[],
      clinical: this.cipher.decryptJson<LmnClinical>(row.clinical, clinicalContext(row.id)),
    };
  }

  async verify(input: string): Promise<Verification> {
    const code = normalizeVerificationCode(input);
    const row = code ? await this.repo.findByCode(this.database.db, code) : undefined;
    if (!row) return { status: 'unknown' };
    return {
      status: this.clock.now() < Number(row.expires_at) ? 'valid' : 'expired',
      code: row.verification_code,
      clinicianName: row.clinician_name,
      clinicianCredentials: row.clinician_credentials,
      issuedAt: Number(row.issued_at),
      expiresAt: Number(row.expires_at),
    };
  }
}
