#!/usr/bin/env node
// The `qualify` command (`npm start` runs `qualify serve`, `npx qualify …` runs this file): the
// compiled build in dist/ (scripts/build.mjs). In a checkout (src/ is here) a build older than
// its sources is refused rather than run: stale code would run silently. `npm install` and
// `npm test` build it; after pulling or editing, `npm run build` does. Issue 9 item 3.
import { existsSync } from 'node:fs';

if (existsSync(new URL('../src/', import.meta.url))) {
  const { buildProblem } = await import('../scripts/build-state.mjs');
  const problem = buildProblem();
  if (problem !== undefined) {
    process.stderr.write(
      `qualify: ${problem}; run \`npm run build\` (or \`npm run dev\` while developing)\n`,
    );
    process.exit(1);
  }
}
await import('../dist/cli.js');
