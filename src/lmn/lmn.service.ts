import { type ClinicianRow, clinicianLicenses } from '../console/clinicians.repository.js';
import type { Database } from '../db/database.js';
import type { Tx } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { PhiCipher } from '../phi/phi.cipher.js';
import { parseOrderItems } from '../sessions/sessions.presenter.js';
import type { SessionRow } from '../sessions/sessions.repository.js';
import type { OrderItem } from '../sessions/sessions.schemas.js';
import { type Diagnosis, diagnosesOf, type SurveyDefinition, US_STATES } from '../survey/definition.js';
import type { SurveyAnswers } from '../survey/prescreen.js';
import { newVerificationCode, normalizeVerificationCode } from './lmn.code.js';
import type { LmnRepository, LmnRow } from './lmn.repository.js';

/** A covered item as the letter prints it: what it is, how to use it, for how long. */
export interface LetterItem extends OrderItem {
  use: string;
  duration: string;
}

/** The letter's clinical part: encrypted at rest (SPEC §2.6). */
export interface LmnClinical {
  dateOfBirth: string | null;
  diagnoses: Diagnosis[];
  /** Recommended use and duration per covered SKU. */
  items: Array<{ sku: string; use: string; duration: string }>;
  statement: string;
}

/** Letters issued before issue 10 kept plain-words condition labels only. */
interface LegacyClinical {
  conditions: string[];
  statement: string;
}

/** A letter as the shopper sees it after the patient check (SPEC §2.5, issue 10 item 3). */
export interface Letter {
  row: LmnRow;
  /** A test-mode letter: not valid for reimbursement (issue 10 item 4). */
  test: boolean;
  items: LetterItem[];
  clinical: LmnClinical;
}

/** Public verification: no health information (SPEC §2.5, issue 10 item 5). */
export type Verification =
  | { status: 'unknown' }
  | {
      status: 'valid' | 'expired' | 'test';
      code: string;
      clinicianName: string;
      clinicianCredentials: string;
      patientInitials: string;
      itemNames: string[];
      issuedAt: number;
      expiresAt: number;
    };

export interface IssueInput {
  session: SessionRow;
  clinician: ClinicianRow;
  dateOfBirth: string | null;
  /** The diagnoses the clinician chose, with their ICD-10-CM codes. */
  diagnoses: Diagnosis[];
  items: LetterItem[];
}

/** What the patient check of a test letter approved without a survey compares with (documented). */
export const SANDBOX_DATE_OF_BIRTH = '1970-01-01';

export const CERTIFICATION_STATEMENT =
  "I have evaluated this patient's health history through a telehealth assessment. In my clinical " +
  'judgement the items listed below are medically necessary to treat or mitigate the diagnosed ' +
  'conditions listed, and are not for general health purposes. Without these conditions the patient ' +
  'would not need these items.';

const clinicalContext = (id: string) => `lmns.clinical:${id}`;

/** `Grace Hopper` → `G. H.`: enough to match a claim, not enough to name anyone. */
export function initialsOf(name: string | null): string {
  const parts = (name ?? '').trim().split(/\s+/).filter(Boolean);
  return parts.length === 0 ? '—' : parts.map((p) => `${p[0]!.toUpperCase()}.`).join(' ');
}

export class LmnService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: LmnRepository,
    private readonly cipher: PhiCipher,
  ) {}

  /**
   * Issued in the approval's transaction: an approved session and its letter commit together. A
   * live letter needs the clinician's licence number for the patient's state (issue 10 item 3).
   */
  async issue(tx: Tx, input: IssueInput): Promise<LmnRow> {
    const { session, clinician } = input;
    const state = session.shopper_state ?? '';
    const license = clinicianLicenses(clinician)[state];
    if (!license) throw new ApiError('Forbidden', noLicenseMessage(state));
    return this.insert(tx, session, {
      clinician_id: clinician.id,
      clinician_name: clinician.name,
      clinician_credentials: clinician.credentials,
      clinician_npi: clinician.npi,
      clinician_license: license,
      clinician_address: clinician.practice_address,
      clinical: {
        dateOfBirth: input.dateOfBirth,
        diagnoses: input.diagnoses,
        items: input.items.map(({ sku, use, duration }) => ({ sku, use, duration })),
        statement: CERTIFICATION_STATEMENT,
      },
      items: input.items,
    });
  }

  /**
   * Issue 10 item 4 — a test-helper approval issues a test letter, so merchants can exercise the
   * whole flow: every qualifying condition answered, every covered item with the defaults, signed
   * by no one, and marked not valid everywhere it shows.
   */
  async issueTestLetter(
    tx: Tx,
    session: SessionRow,
    answers: SurveyAnswers | undefined,
    definition: SurveyDefinition,
    coveredSkus: string[] | undefined,
  ): Promise<LmnRow> {
    const chosen = new Set(answers?.conditions ?? []);
    const diagnoses = [...diagnosesOf(definition).values()]
      .filter((d) => chosen.has(d.condition))
      .map(({ code, name }) => ({ code, name }));
    const covered = coveredSkus ? new Set(coveredSkus) : undefined;
    const items = parseOrderItems(session.order_items)
      .filter((item) => !covered || covered.has(item.sku))
      .map((item) => ({ ...item, ...definition.item_defaults }));
    return this.insert(tx, session, {
      clinician_id: null,
      clinician_name: 'Sandbox Test Clinician',
      clinician_credentials: 'TEST',
      clinician_npi: '0000000000',
      clinician_license: 'TEST',
      clinician_address: null,
      clinical: {
        dateOfBirth: answers?.date_of_birth ?? SANDBOX_DATE_OF_BIRTH,
        diagnoses,
        items: items.map(({ sku, use, duration }) => ({ sku, use, duration })),
        statement: CERTIFICATION_STATEMENT,
      },
      items,
    });
  }

  async letterForSession(sessionId: string): Promise<Letter | undefined> {
    const row = await this.repo.findBySession(this.database.db, sessionId);
    return row ? this.open(row) : undefined;
  }

  async verify(input: string): Promise<Verification> {
    const code = normalizeVerificationCode(input);
    const row = code ? await this.repo.findByCode(this.database.db, code) : undefined;
    if (!row) return { status: 'unknown' };
    const items = JSON.parse(row.covered_items) as OrderItem[];
    return {
      status:
        Number(row.livemode) === 0 ? 'test' : this.clock.now() < Number(row.expires_at) ? 'valid' : 'expired',
      code: row.verification_code,
      clinicianName: row.clinician_name,
      clinicianCredentials: row.clinician_credentials,
      patientInitials: initialsOf(row.shopper_name),
      itemNames: items.map((i) => i.name ?? i.sku),
      issuedAt: Number(row.issued_at),
      expiresAt: Number(row.expires_at),
    };
  }

  private open(row: LmnRow): Letter {
    const sealed = this.cipher.decryptJson<LmnClinical | LegacyClinical>(
      row.clinical,
      clinicalContext(row.id),
    );
    const clinical: LmnClinical =
      'conditions' in sealed
        ? {
            dateOfBirth: null,
            diagnoses: sealed.conditions.map((name) => ({ code: '', name })),
            items: [],
            statement: sealed.statement,
          }
        : sealed;
    const uses = new Map(clinical.items.map((i) => [i.sku, i]));
    const items = (JSON.parse(row.covered_items) as OrderItem[]).map((item) => ({
      ...item,
      use: uses.get(item.sku)?.use ?? '',
      duration: uses.get(item.sku)?.duration ?? '',
    }));
    return { row, test: Number(row.livemode) === 0, items, clinical };
  }

  private async insert(
    tx: Tx,
    session: SessionRow,
    fields: Pick<
      LmnRow,
      | 'clinician_id'
      | 'clinician_name'
      | 'clinician_credentials'
      | 'clinician_npi'
      | 'clinician_license'
      | 'clinician_address'
    > & { clinical: LmnClinical; items: LetterItem[] },
  ): Promise<LmnRow> {
    const id = newId('lmn');
    let code = newVerificationCode();
    // 50 random bits make a clash rare; checking first keeps a clash from aborting the approval.
    while (await this.repo.findByCode(tx.db, code)) code = newVerificationCode();
    const { clinical, items, ...clinician } = fields;
    const row: LmnRow = {
      id,
      session_id: session.id,
      verification_code: code,
      livemode: Number(session.livemode),
      ...clinician,
      clinician_state: session.shopper_state ?? '',
      shopper_name: session.customer_name,
      shopper_email: session.email,
      shopper_state: session.shopper_state ?? '',
      covered_items: JSON.stringify(
        items.map(({ sku, name, price, quantity }) => ({ sku, name, price, quantity })),
      ),
      clinical: this.cipher.encryptJson(clinical, clinicalContext(id)),
      issued_at: session.lmn_reviewed_at ?? this.clock.now(),
      expires_at: session.expires_at ?? this.clock.now(),
    };
    await this.repo.insert(tx.db, row);
    return row;
  }
}

export function noLicenseMessage(state: string): string {
  return `You have no licence number for ${US_STATES[state] ?? state} on your profile. Add it on your Profile page before approving.`;
}
