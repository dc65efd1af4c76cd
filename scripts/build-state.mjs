// Is dist/ (the build `qualify` runs) at least as new as what it is built from? Shared by
// bin/qualify.js, which refuses to run a stale build, and scripts/build.mjs, which skips a build
// that is already fresh. Cheap: one stat per file under src/ (a few milliseconds).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Written last by a successful build: its time is the build's time. */
export const STAMP_NAME = '.built';
/**
 * What the build reads. The dependencies it bundles are not compared: they change only through
 * `npm install`/`npm ci`, whose `prepare` script rebuilds.
 */
const INPUTS = ['src', 'scripts/build.mjs'];

function newest(path) {
  const stat = statSync(path);
  // A directory's own time counts too: it changes when a file in it is added or removed.
  let best = { path, mtimeMs: stat.mtimeMs };
  if (!stat.isDirectory()) return best;
  for (const name of readdirSync(path)) {
    const candidate = newest(join(path, name));
    if (candidate.mtimeMs > best.mtimeMs) best = candidate;
  }
  return best;
}

/** Why dist/ cannot be run as it is, or undefined when it is up to date. */
export function buildProblem(root = ROOT) {
  let built;
  try {
    built = statSync(join(root, 'dist', STAMP_NAME)).mtimeMs;
  } catch {
    return 'there is no build in dist/';
  }
  for (const input of INPUTS) {
    const { path, mtimeMs } = newest(join(root, input));
    if (mtimeMs > built) return `the build in dist/ is older than ${path.slice(root.length)}`;
  }
  return undefined;
}
