import { createHmac, hkdfSync } from 'node:crypto';
import { type Config, ConfigError } from '../config.js';
import type { Database } from '../db/database.js';
import { PhiCipher } from '../phi/phi.cipher.js';
import { SEALED_COLUMNS } from '../phi/sealed-columns.js';
import type { KeyCheckRepository } from './key-check.repository.js';

/** Issue 13 item 2 — the start-up error for a changed secret, word for word. */
export const SECRET_MISMATCH = 'QUALIFY_SECRET does not match the one this database was created with';

type Secrets = Pick<Config, 'secret' | 'previousSecrets'>;

/** Which configured secret the database's data is sealed under. */
export type SealedUnder = 'current' | 'previous';

/**
 * A one-way value that identifies a secret (HMAC under a key derived for this purpose only):
 * stored in the database, it tells a start-up with another secret apart without revealing either.
 */
export function keyCheckValue(secret: Buffer): string {
  const key = Buffer.from(hkdfSync('sha256', secret, 'qualify/key-check', 'key check v1', 32));
  return createHmac('sha256', key).update('qualify key check').digest('base64url');
}

/**
 * Issue 13 item 2 — run by the server and by every CLI command once the database is migrated:
 * a QUALIFY_SECRET other than the one the data was sealed under (or a previous one of a rotation
 * in progress) is a start-up error instead of 500s later. A database from before the check gets
 * one, after its existing envelopes were confirmed to open with a configured key.
 */
export async function verifyServiceSecret(
  database: Database,
  repo: KeyCheckRepository,
  secrets: Secrets,
  now: number,
): Promise<SealedUnder> {
  const candidates = [secrets.secret, ...secrets.previousSecrets];
  let row = await repo.find(database.db);
  if (!row) {
    const sealedWith = await secretOfExistingData(database, candidates);
    await repo.insertIfAbsent(database.db, keyCheckValue(sealedWith), now);
    row = await repo.find(database.db);
  }
  const index = candidates.findIndex((secret) => keyCheckValue(secret) === row?.check_value);
  if (index < 0)
    throw new ConfigError([
      `${SECRET_MISMATCH} (start with that secret; while rotating, keep it in QUALIFY_PREVIOUS_SECRETS)`,
    ]);
  return index === 0 ? 'current' : 'previous';
}

/** After a complete rotation: the database's data is sealed under the current secret only. */
export async function moveKeyCheckToCurrent(
  database: Database,
  repo: KeyCheckRepository,
  secrets: Secrets,
  now: number,
): Promise<void> {
  const row = await repo.find(database.db);
  const current = keyCheckValue(secrets.secret);
  if (!row || row.check_value === current) return;
  await repo.replace(database.db, row.check_value, current, now);
}

/** The configured secret that sealed a sample of the existing data; the current one when there is none. */
async function secretOfExistingData(database: Database, candidates: Buffer[]): Promise<Buffer> {
  const ids = candidates.map((secret) => PhiCipher.keyIdFor(secret));
  for (const column of SEALED_COLUMNS) {
    const sample = await column.sample(database.db);
    const keyId = sample === undefined ? undefined : PhiCipher.keyIdOf(sample);
    if (keyId === undefined) continue;
    const index = ids.indexOf(keyId);
    if (index < 0)
      throw new ConfigError([`${SECRET_MISMATCH} (${column.name} holds values sealed under another secret)`]);
    return candidates[index]!;
  }
  return candidates[0]!;
}
