/**
 * Apps that bundle: a real esbuild bundle of a small app that imports taskres, run with plain
 * node from another directory. Left external (the README's recipe), taskres loads from the app's
 * node_modules with its dist/ files and resolves. Copied into the bundle, taskres cannot find its
 * sandbox process's entry: the first resolve rejects at once with TASKRES_SANDBOX_UNAVAILABLE
 * naming the fix, never with an error that blames the function. The app's node_modules/taskres
 * links to this checkout: how the package is installed is test/package.test.ts's subject.
 */
import { runProcess, type ProcessResult } from './helpers/run-process.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Format } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/readme-blocks.js';

const APP = `import { createResolver, defineTask } from 'taskres';
async function main(): Promise<void> {
  const task = defineTask({ name: 'bundled', params: ['n'], resources: { cpu: '({ n }) => n + 1', memory: 1 } });
  const resolver = createResolver({ threads: 1 });
  const started = Date.now();
  try {
    console.log(JSON.stringify(await resolver.resolve(task, { n: 2 })));
  } catch (error) {
    const e = error as { code?: string; message?: string };
    console.log(JSON.stringify({ code: e.code, message: e.message, ms: Date.now() - started }));
  } finally {
    await resolver.close();
  }
}
void main();
`;

let app: string;
let elsewhere: string;

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'taskres-bundle-app-'));
  elsewhere = mkdtempSync(join(tmpdir(), 'taskres-bundle-cwd-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(ROOT, join(app, 'node_modules', 'taskres'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'bundled-app', private: true }));
  writeFileSync(join(app, 'app.ts'), APP);
});

afterAll(() => {
  for (const dir of [app, elsewhere]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Bundles the app with esbuild; returns the bundle's path. */
async function bundle(format: Format, taskresExternal: boolean): Promise<string> {
  const outfile = join(app, 'dist', `app-${taskresExternal ? 'external' : 'inlined'}.${format === 'esm' ? 'mjs' : 'cjs'}`);
  await build({
    entryPoints: [join(app, 'app.ts')],
    bundle: true,
    platform: 'node',
    format,
    outfile,
    logLevel: 'silent',
    ...(taskresExternal ? { external: ['taskres'] } : {}),
  });
  return outfile;
}

/** Runs a bundle with plain node from a directory that has no node_modules. */
function runFromElsewhere(file: string): Promise<ProcessResult> {
  return runProcess(process.execPath, [file], { cwd: elsewhere, timeoutMs: 60_000 });
}

describe.each(['esm', 'cjs'] as const)('an app bundled with esbuild (%s)', (format) => {
  it('works with taskres left external, run from another directory', async () => {
    const file = await bundle(format, true);
    const text = readFileSync(file, 'utf8');
    // The recipe keeps the library out of the bundle: one import of the package, no copy.
    expect(text).toMatch(format === 'esm' ? /from "taskres"/ : /require\("taskres"\)/);
    expect(text).not.toMatch(/\bTaskresError\b/);
    const run = await runFromElsewhere(file);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ cpu: 3, memory: 1, storage: 500, gpu: 0 });
  }, 60_000);

  it('with taskres copied into the bundle, fails at once with TASKRES_SANDBOX_UNAVAILABLE naming the fix', async () => {
    const file = await bundle(format, false);
    expect(readFileSync(file, 'utf8')).toMatch(/\bTaskresError\b/);
    const run = await runFromElsewhere(file);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const failure = JSON.parse(run.stdout) as { code: string; message: string; ms: number };
    expect(failure.code).toBe('TASKRES_SANDBOX_UNAVAILABLE');
    expect(failure.message).toContain('leave taskres external when bundling (esbuild: --external:taskres');
    expect(failure.message).toContain('README: Bundling');
    expect(failure.message).not.toMatch(/function 'bundled'|threw|crashed/);
    // Found before any process starts: no waiting for a sandbox that cannot come.
    expect(failure.ms).toBeLessThan(1000);
  }, 60_000);
});
