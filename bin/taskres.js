#!/usr/bin/env node
// Launcher: hands over to the built CLI in this process. The CLI itself needs no Node flag:
// the sandbox process the resolver starts gets `--no-node-snapshot` from the resolver.
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
const library = new URL('../dist/index.js', import.meta.url);
if (!existsSync(cli) || !existsSync(library)) {
  // A clone before its first build: say what to run rather than print a MODULE_NOT_FOUND stack.
  const where = fileURLToPath(new URL('..', import.meta.url)).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  process.stderr.write(`taskres: the build is missing (no dist/cli.js in ${where}); run \`npm run build\` there first.\n`);
  process.exit(1);
}
enableCompileCache();
await import(cli.href);

/**
 * Node 22.1+ keeps the compiled code of the modules the CLI loads (the library, zod, acorn,
 * fastify...) on disk, which spares part of every later start. Compiled code is trusted code,
 * so the cache lives in a directory of this user's own, not in Node's default under the
 * shared temp dir (another user could have made that one): it is used only when it is a real
 * directory owned by this user that no one else may write. Anything else, or an older Node,
 * and the CLI runs without a cache. NODE_COMPILE_CACHE, when set, is Node's and wins;
 * NODE_DISABLE_COMPILE_CACHE turns it off.
 */
function enableCompileCache() {
  if (typeof module.enableCompileCache !== 'function' || process.env.NODE_COMPILE_CACHE || process.env.NODE_DISABLE_COMPILE_CACHE) return;
  const uid = process.getuid?.();
  if (uid === undefined) return;
  const dir = join(tmpdir(), `taskres-compile-cache-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o022) !== 0) return;
    module.enableCompileCache(dir);
  } catch {
    // No cache: a slower start, nothing else.
  }
}
