#!/usr/bin/env node
// `npm run build` (also run by `prepare` on `npm install`/`npm ci`, and by `npm test`): bundles
// src/cli.ts and everything it imports, dependencies included, into dist/ with esbuild, so that
// `npm start` and `qualify` run plain JavaScript without a TypeScript loader. Issue 9 item 3.
//
// - Bundled, not compiled file by file with tsc: Node 20 then loads a few files instead of
//   ~1,300 ESM modules, which measured about 40% less CPU from start to listening. Types are
//   checked separately (`npm run typecheck`, part of `npm test`).
// - Code splitting: each `await import()` becomes its own chunk, so `qualify --help` loads only
//   the CLI's own chunk and a command loads what it needs when it runs.
// - Assets: every file under src/ that is not TypeScript is copied to the same relative path
//   under dist/, and `import.meta.url` in a module under src/ is rewritten to the URL that module
//   would have in dist/ (src/survey/definition.ts → dist/survey/definition.js). So an asset kept
//   beside the module that reads it, as `new URL('./file', import.meta.url)`, is found the same
//   way under tsx (tests, `npm run dev`) and in the build.
// - `--if-stale`: do nothing when dist/ is newer than everything it is built from.
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { buildProblem, ROOT, STAMP_NAME } from './build-state.mjs';

const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
/**
 * Left in node_modules and loaded from there at run time: better-sqlite3 loads a native addon
 * from its own directory, and pg-native is pg's optional native driver (not installed; pg only
 * loads it when asked to). pdfkit requires its standard fonts through package `imports`
 * (`#standard-fonts/...`), which only resolve inside its own package; it is loaded on the first
 * letter PDF only.
 */
const EXTERNAL = ['better-sqlite3', 'pg-native', 'pdfkit'];
/**
 * Bundled, but they read files that sit beside their code (@fastify/swagger-ui serves its
 * static/ directory): `__dirname` in their modules is resolved at run time to the module's
 * directory in node_modules. Bundling it rather than leaving it external saved ~90 ms of
 * start-up CPU (it loads @fastify/static and its dependencies file by file otherwise).
 */
const READS_OWN_FILES = ['@fastify/swagger-ui'];

function say(message) {
  process.stdout.write(`build: ${message}\n`);
}

function fail(message) {
  process.stderr.write(`build: ${message}\n`);
  process.exit(1);
}

const problem = buildProblem();
if (process.argv.includes('--if-stale') && problem === undefined) {
  say('dist/ is up to date');
  process.exit(0);
}

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // `npm ci --omit=dev` runs `prepare` too, without the devDependencies: a dist/ built
  // beforehand (e.g. copied into an image) is what such an install runs.
  if (problem === undefined) {
    say('esbuild is not installed (devDependencies omitted); keeping the existing, up-to-date dist/');
    process.exit(0);
  }
  fail(`esbuild is not installed and ${problem}: install with the devDependencies (npm ci) to build`);
}

/** The URL a module of src/ has in dist/, relative to the chunk its code lands in (all chunks sit in dist/). */
const moduleUrls = {
  name: 'module-urls',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (!args.path.startsWith(SRC + sep)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (/import\.meta\.(dirname|filename)/.test(text)) {
        return {
          errors: [
            { text: 'use new URL(…, import.meta.url): import.meta.dirname/filename are not rewritten' },
          ],
        };
      }
      const inDist = `./${relative(SRC, args.path).split(sep).join('/').replace(/\.ts$/, '.js')}`;
      const url = `new URL(${JSON.stringify(inDist)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

const ownDirectories = {
  name: 'own-directories',
  setup(build) {
    for (const name of READS_OWN_FILES) {
      const home = join(ROOT, 'node_modules', name);
      build.onLoad({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith(home + sep)) return undefined;
        const sub = relative(home, dirname(args.path)).split(sep).join('/');
        // `require` is the bundle's own (see the banner): resolved from dist/ like any package.
        const at = `require('node:path').join(require('node:path').dirname(require.resolve(${JSON.stringify(`${name}/package.json`)})), ${JSON.stringify(sub)})`;
        return { contents: readFileSync(args.path, 'utf8').replaceAll('__dirname', at), loader: 'js' };
      });
    }
  },
};

/**
 * `await import('x')` of a CommonJS package gives its named exports in Node (cjs-module-lexer)
 * but only `default` in an esbuild chunk. @fastify/cookie imports `cookie` that way, and
 * `cookie` is CommonJS here (pinned to 1.x through `overrides`, whose engines include Node 20;
 * issue 14 item 7): such an import gets an ESM wrapper that re-exports the names.
 */
const CJS_DYNAMIC_IMPORTS = ['cookie'];
const cjsDynamicImports = {
  name: 'cjs-dynamic-imports',
  setup(build) {
    const filter = new RegExp(`^(${CJS_DYNAMIC_IMPORTS.join('|')})$`);
    build.onResolve({ filter }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData === 'cjs-wrapped') return undefined;
      const real = await build.resolve(args.path, {
        kind: 'require-call',
        resolveDir: args.resolveDir,
        pluginData: 'cjs-wrapped',
      });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'cjs-dynamic-import' };
    });
    build.onLoad({ filter: /.*/, namespace: 'cjs-dynamic-import' }, (args) => {
      // The names are listed one by one: `export *` of CommonJS is resolved at run time, which a
      // chunk's static export list does not see.
      const names = Object.keys(createRequire(import.meta.url)(args.path)).filter(
        (name) => name !== 'default' && name !== '__esModule' && /^[A-Za-z_$][\w$]*$/.test(name),
      );
      const from = JSON.stringify(args.path);
      return {
        contents: [
          `import * as module from ${from};`,
          ...names.map((name) => `export const ${name} = module.${name};`),
          'export default module.default ?? module;',
        ].join('\n'),
        resolveDir: dirname(args.path),
        loader: 'js',
      };
    });
  },
};

function copyAssets(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) copyAssets(source, target);
    else if (!entry.name.endsWith('.ts')) {
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(source, target);
    }
  }
}

const started = Date.now();
// Built next to dist/ and swapped in at the end: a process starting meanwhile sees the old
// build or the new one, never half of one.
const next = join(ROOT, `.dist-${process.pid}`);
rmSync(next, { recursive: true, force: true });
try {
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli.ts'],
    outdir: next,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.11',
    chunkNames: '[name]-[hash]',
    external: EXTERNAL,
    // Bundled CommonJS dependencies call require() for Node's modules and the external ones. The
    // import is renamed: a bundled module may import createRequire itself.
    banner: {
      js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
    },
    // Stack traces map back to src/ with `node --enable-source-maps`; the sources stay in src/.
    sourcemap: 'linked',
    sourcesContent: false,
    plugins: [moduleUrls, ownDirectories, cjsDynamicImports],
    logLevel: 'warning',
  });
  copyAssets(SRC, next);
  const stamp = join(next, STAMP_NAME);
  writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
  // The build reflects the sources as they were when it started: a file saved during the build
  // is newer than the stamp, so the build counts as stale.
  utimesSync(stamp, new Date(started), new Date(started));
} catch (error) {
  rmSync(next, { recursive: true, force: true });
  fail(error instanceof Error ? error.message : String(error));
}
const old = join(ROOT, `.dist-old-${process.pid}`);
try {
  renameSync(DIST, old);
} catch {
  // no previous build
}
renameSync(next, DIST);
rmSync(old, { recursive: true, force: true });
say(`dist/ built in ${Date.now() - started} ms`);
