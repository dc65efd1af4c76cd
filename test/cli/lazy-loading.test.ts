import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/qualify.js');

/** The modules a file imports when it is loaded: type-only imports are erased by the build. */
function loadedImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const bindings = clause?.namedBindings;
      const onlyTypes =
        clause?.isTypeOnly ||
        (clause !== undefined &&
          clause.name === undefined &&
          bindings !== undefined &&
          ts.isNamedImports(bindings) &&
          bindings.elements.length > 0 &&
          bindings.elements.every((element) => element.isTypeOnly));
      if (!onlyTypes) specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return specifiers;
}

/** Every package loaded, statically, from `entry` on, with the modules of src/ that import it. */
function packagesLoaded(entry: string): Map<string, string[]> {
  const seen = new Set<string>();
  const packages = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of loadedImports(file)) {
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.set(specifier, [...(packages.get(specifier) ?? []), relative(ROOT, file)]);
    }
  };
  visit(entry);
  return packages;
}

// issue 9 item 3 — `qualify --help` within 0.8 s: the CLI's command modules load commander and
// nothing heavy; what a command needs is imported inside its action (see src/cli/context.ts).
describe('qualify --help loads almost nothing', () => {
  it('the CLI entry statically reaches no package but commander and Node built-ins', () => {
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const heavy = [...packagesLoaded(join(ROOT, 'src/cli.ts'))]
      .filter(([name]) => name !== 'commander' && !builtins.has(name))
      .map(([name, importers]) => `${name} (imported by ${importers.join(', ')})`);
    assert.deepEqual(heavy, [], 'import these inside the command actions instead');
  });

  it('qualify --help, from the compiled build, lists the commands', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, '--help'], { timeout: 60_000 });
    for (const command of ['serve', 'migrate', 'channel', 'key', 'clinician', 'audit', 'webhook']) {
      assert.match(stdout, new RegExp(`^  ${command}\\b`, 'm'), stdout);
    }
  });
});
