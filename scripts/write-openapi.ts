import { writeFileSync } from 'node:fs';
import { renderOpenApi } from './openapi.js';

writeFileSync(new URL('../openapi.json', import.meta.url), await renderOpenApi());
process.stdout.write('wrote openapi.json\n');
