// npm's `prepare` script: builds dist/ where it can be built, and says nothing otherwise.
// It runs after `npm ci` in a clone and when npm installs taskres from git (npm clones it,
// installs its dev dependencies, runs this, then packs it). It never runs for a tarball or
// registry install, and the tarball does not ship this file. Kept in a file (not inline in
// package.json) so that npm echoes one short command instead of the whole script.
'use strict';
const { existsSync } = require('node:fs');
const { execFileSync } = require('node:child_process');

// Not a source tree (e.g. the Dockerfile's dependency layer): nothing to build.
if (!existsSync('src/index.ts')) process.exit(0);
let tsup;
try {
  tsup = require.resolve('tsup/dist/cli-default.js');
} catch {
  console.error('taskres: dev dependencies are not installed, so dist is not built; `npm run build` needs them');
  process.exit(0);
}
execFileSync(process.execPath, [tsup, '--silent'], { stdio: 'inherit' });
