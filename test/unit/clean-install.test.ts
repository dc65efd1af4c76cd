import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

// Issue 14 item 7: `npm install` on a supported Node prints no EBADENGINE warning, `engines` is
// honest, and the licence is declared.
const semver = createRequire(import.meta.url)('semver') as {
  subset(sub: string, sup: string): boolean;
  satisfies(version: string, range: string): boolean;
};
const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  license: string;
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<
    string,
    { version?: string; optional?: boolean; os?: string[]; engines?: { node?: string } }
  >;
};

describe('clean install', () => {
  it('every locked package accepts every Node version our engines range names', () => {
    const narrower: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || !entry.engines?.node) continue;
      // Platform-only optional packages (fsevents) are never installed here.
      if (entry.optional && entry.os) continue;
      if (!semver.subset(pkg.engines.node, entry.engines.node))
        narrower.push(`${path}@${entry.version}: ${entry.engines.node}`);
    }
    assert.deepEqual(narrower, [], `packages whose engines exclude part of ${pkg.engines.node}`);
  });

  it('the running Node is inside the declared range', () => {
    assert.ok(
      semver.satisfies(process.version, pkg.engines.node),
      `${process.version} vs ${pkg.engines.node}`,
    );
  });

  it('is Apache-2.0, with the licence text beside package.json', () => {
    assert.equal(pkg.license, 'Apache-2.0');
    assert.ok(existsSync(new URL('LICENSE', root)));
    assert.match(readFileSync(new URL('LICENSE', root), 'utf8'), /Apache License\s+Version 2\.0/);
  });
});
