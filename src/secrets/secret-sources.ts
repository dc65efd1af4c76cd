import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../lib/private-files.js';
import { decodeBase64, weakness } from './secret-strength.js';

/**
 * Issue 13 item 2 — where `loadConfig` gets the service secrets from: QUALIFY_SECRET, the
 * development file `./data/secret`, QUALIFY_PREVIOUS_SECRETS. Each problem is pushed onto
 * `problems`, to be reported with the rest of the configuration's.
 */

const GENERATE_HINT = 'generate one with `openssl rand -base64 32`';

/** Issue 13 item 2 — base64 of at least 32 bytes that are not trivially weak; the problem named. */
export function checkedSecret(text: string, name: string, problems: string[]): Buffer {
  if (text.trim() === '') {
    problems.push(`${name} is empty; ${GENERATE_HINT}`);
    return Buffer.alloc(0);
  }
  const secret = decodeBase64(text);
  if (!secret) {
    problems.push(`${name} must be base64; ${GENERATE_HINT}`);
    return Buffer.alloc(0);
  }
  const problem = weakness(secret);
  if (problem) problems.push(`${name} ${problem}; ${GENERATE_HINT}`);
  return secret;
}

/**
 * Comma-separated base64 secrets a rotation moves away from. They only open what exists, so a weak
 * one is accepted here: replacing it is the point of the rotation.
 */
export function parsePreviousSecrets(raw: string | undefined, current: Buffer, problems: string[]): Buffer[] {
  if (raw === undefined || raw.trim() === '') return [];
  const secrets: Buffer[] = [];
  for (const [index, text] of raw.split(',').entries()) {
    if (text.trim() === '') continue;
    const secret = decodeBase64(text);
    if (!secret || secret.length === 0) {
      problems.push(`QUALIFY_PREVIOUS_SECRETS: entry ${index + 1} is not base64`);
      continue;
    }
    if (!secret.equals(current) && !secrets.some((s) => s.equals(secret))) secrets.push(secret);
  }
  return secrets;
}

/**
 * The development secret kept in `./data/secret`: read, or generated once (0600, in a 0700
 * directory). An empty or unreadable file is a problem, never a zero-length key; two processes
 * starting at once agree on one file (`wx` creates it only if absent).
 */
export function localSecret(path: string, problems: string[]): Buffer {
  for (let attempt = 0; attempt < 2; attempt++) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        problems.push(
          `${path} cannot be read (${code ?? String(error)}); QUALIFY_SECRET is needed to open the data`,
        );
        return Buffer.alloc(0);
      }
      try {
        mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
        const secret = randomBytes(32);
        writeFileSync(path, `${secret.toString('base64')}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
        return secret;
      } catch (createError) {
        if ((createError as NodeJS.ErrnoException).code === 'EEXIST') continue;
        problems.push(`${path} cannot be created (${(createError as NodeJS.ErrnoException).code})`);
        return Buffer.alloc(0);
      }
    }
    if (text.trim() === '') {
      problems.push(
        `${path} is empty; put back the secret it held (or, for a database with no data yet, delete the file to have a new one generated)`,
      );
      return Buffer.alloc(0);
    }
    return checkedSecret(text, path, problems);
  }
  problems.push(`${path} cannot be read`);
  return Buffer.alloc(0);
}
