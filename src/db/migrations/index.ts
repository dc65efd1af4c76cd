import type { Migration } from 'kysely';
import * as core from './001_core.js';

/** Every migration, in order. Listed in code (not read from disk) so both engines and every runner agree. */
export const migrations: Record<string, Migration> = {
  '001_core': core,
};
