#!/usr/bin/env node
// Regenerates src/schema.ts (the API's types) from the repository's committed openapi.json with
// openapi-typescript. `--check` writes nothing and exits 1 when the committed file has drifted.
// Root `npm run openapi` runs this after writing openapi.json.
import { readFileSync, writeFileSync } from 'node:fs';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

const SPEC = new URL('../../../openapi.json', import.meta.url);
const TARGET = new URL('../src/schema.ts', import.meta.url);

const document = JSON.parse(readFileSync(SPEC, 'utf8'));
const ast = await openapiTS(document, { alphabetize: false, exportType: false });
const source = `${COMMENT_HEADER.replace(
  'openapi-typescript.',
  'openapi-typescript from openapi.json\n * (`npm run generate -w @qualify/client`).',
)}${astToString(ast)}`;

if (process.argv.includes('--check')) {
  const committed = readFileSync(TARGET, 'utf8');
  if (committed !== source) {
    process.stderr.write(
      'packages/client/src/schema.ts is out of date with openapi.json: run `npm run generate -w @qualify/client`\n',
    );
    process.exit(1);
  }
  process.stdout.write('packages/client/src/schema.ts matches openapi.json\n');
} else {
  writeFileSync(TARGET, source);
  process.stdout.write('wrote packages/client/src/schema.ts\n');
}
