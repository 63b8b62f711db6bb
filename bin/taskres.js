#!/usr/bin/env node
// Launcher: hands over to the built CLI in this process. The CLI itself needs no Node flag:
// the sandbox process the resolver starts gets `--no-node-snapshot` from the resolver.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
const library = new URL('../dist/index.js', import.meta.url);
if (!existsSync(cli) || !existsSync(library)) {
  // A clone before its first build: say what to run rather than print a MODULE_NOT_FOUND stack.
  const where = fileURLToPath(new URL('..', import.meta.url)).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  process.stderr.write(`taskres: the build is missing (no dist/cli.js in ${where}); run \`npm run build\` there first.\n`);
  process.exit(1);
}
await import(cli.href);
