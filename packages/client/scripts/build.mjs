#!/usr/bin/env node
// Compiles src/ to dist/ (JavaScript and .d.ts) with TypeScript. Run by the repository's
// `prepare` (so `npm ci` at the root builds the client too) and by `npm pack` (`prepack`).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('..', import.meta.url));
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // `npm ci --omit=dev` runs the root `prepare` without TypeScript; the server does not need the
  // client, and `import … from 'qualify'` (the webhook verifier) needs a dist/ built before.
  const built = existsSync(new URL('../dist/webhooks.js', import.meta.url));
  process.stderr.write(
    `@qualify/client: TypeScript is not installed (devDependencies omitted); ${built ? 'keeping the existing dist/' : 'dist/ not built'}\n`,
  );
  process.exit(0);
}
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, stdio: 'inherit' });
if (result.status !== 0) {
  process.stderr.write('@qualify/client: the build failed\n');
  process.exit(result.status ?? 1);
}
process.stdout.write('@qualify/client: dist/ built\n');
