/**
 * The package as users get it, from one shared install: a `git clone` of this repository is
 * packed with `npm pack` (its `prepare` script builds dist/ from the clone's sources, as it does
 * for `npm install <git url>`), the tarball is installed into a fresh app, and the app then
 * (1) runs the `taskres` bin, (2) compiles every ```ts block of the README with `tsc --strict`
 * against the INSTALLED package's types and runs it with plain node, as a strict TypeScript ESM
 * app (module NodeNext), and (3) as a CommonJS app (`require('taskres')` through tsc's CommonJS
 * output and the package's `require` entry and .d.cts types).
 *
 * Time (isolated-vm compiles from source on Node 20): installing the clone's dependencies and
 * the app's would compile it twice more, for nothing this test is about. So the clone's
 * node_modules links to this checkout's (what `npm ci` in the clone would have installed), and
 * the app installs the tarball with `--ignore-scripts --prefer-offline` (dependencies from npm's
 * cache, which this checkout's own install filled) and then links the isolated-vm builds this
 * checkout made for this Node. What the test is about is unchanged: the tarball's files, its
 * package.json (exports, bin, dependencies, types), and the package code resolving its
 * dependencies, its sandbox entry and isolated-vm from the app's own node_modules.
 *
 * The clone is of this checkout's HEAD: commit before running this file locally (CI runs in a
 * fresh clone, where HEAD is what is tested).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from './helpers/run-process.js';
import { ROOT, compileApp, normalise, readmeBlocks, runBlock, writeBlockApp } from './helpers/readme-blocks.js';

const blocks = readmeBlocks();
const work = mkdtempSync(join(tmpdir(), 'taskres-package-'));
const clone = join(work, 'clone');
const app = join(work, 'app');
const cjsApp = join(app, 'cjs');
let packed: { files: string[]; tarball: string; distBeforePack: boolean };
const timings: Record<string, number> = {};
let prepareWithoutDevDependencies: { status: number; stderr: string };

// Asynchronous: a test file's process must keep answering vitest while npm runs (a synchronous
// npm install of over a minute on a loaded machine made vitest report a timeout calling
// onTaskUpdate, an unhandled error that fails the run).
const execFileAsync = promisify(execFile);

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    timings[what] = Date.now() - started;
  }
}

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await execFileAsync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

beforeAll(async () => {
  await timed('clone', () => execFileAsync('git', ['clone', '--quiet', ROOT, clone]));
  // As after `npm ci --omit=dev` in a clone: sources present, tsup absent.
  prepareWithoutDevDependencies = await execFileAsync('npm', ['run', 'prepare', '--silent'], { cwd: clone, encoding: 'utf8', timeout: 60_000 }).then(
    ({ stderr }) => ({ status: 0, stderr }),
    (error: { code?: number; stderr?: string }) => ({ status: typeof error.code === 'number' ? error.code : 1, stderr: String(error.stderr ?? '') }),
  );
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  const distBeforePack = existsSync(join(clone, 'dist'));
  const json = await timed('npm pack (prepare builds dist)', () => npm(['pack', '--json', '--pack-destination', work], clone));
  const [info] = JSON.parse(json.slice(json.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  packed = { files: info!.files.map((f) => f.path), tarball: join(work, info!.filename), distBeforePack };

  mkdirSync(app);
  writeBlockApp(app, blocks, 'esm');
  await timed('npm install (tarball)', () => npm(['install', '--ignore-scripts', '--prefer-offline', packed.tarball], app));
  // The isolated-vm builds of this checkout (made by the same install script for this Node),
  // in place of the unbuilt sources --ignore-scripts left; one not built here is left out, as a
  // failed optional dependency is.
  for (const name of ['isolated-vm', 'isolated-vm-5']) {
    rmSync(join(app, 'node_modules', name), { recursive: true, force: true });
    if (existsSync(join(ROOT, 'node_modules', name))) symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
  }
  // The CommonJS app sits inside the ESM app and shares its node_modules.
  writeBlockApp(cjsApp, blocks, 'cjs');
}, 600_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  // What the shared install costs, for CI's budget.
  console.info(`package.test.ts timings (ms): ${JSON.stringify(timings)}`);
});

describe('the packed tarball', () => {
  it('is built by prepare from a fresh clone, which has no dist of its own', () => {
    expect(packed.distBeforePack).toBe(false);
    expect(existsSync(join(clone, 'dist', 'index.js'))).toBe(true);
  });

  it('prepare does no harm where it cannot or need not build', async () => {
    // A clone without dev dependencies: it says why and succeeds, so the install goes on.
    expect(prepareWithoutDevDependencies.status).toBe(0);
    expect(String(prepareWithoutDevDependencies.stderr)).toContain('dev dependencies are not installed, so dist is not built');
    // The installed package (no sources): nothing to do, nothing printed, dist untouched.
    const installed = join(app, 'node_modules', 'taskres');
    const before = readdirSync(join(installed, 'dist')).sort();
    const run = await runProcess('npm', ['run', 'prepare', '--silent'], { cwd: installed, timeoutMs: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).toBe('');
    expect(readdirSync(join(installed, 'dist')).sort()).toEqual(before);
  });

  it('holds dist, bin, examples, LICENSE and README, and no benchmark, soak, tests or sources', () => {
    for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/cli.js', 'dist/check-hooks.js', 'dist/sandbox-process.js', 'dist/sandbox-worker.js', 'bin/taskres.js', 'examples/seed-tasks.ts', 'examples/args.json', 'LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']) {
      expect(packed.files, file).toContain(file);
    }
    expect(packed.files.filter((f) => /bench|soak|^test\/|^src\/|\.test\.|\.tgz$|^\.ci\//.test(f))).toEqual([]);
    // No chunk of the benchmark or the soak rides along: every shipped chunk is imported by a shipped file.
    const dist = join(app, 'node_modules', 'taskres', 'dist');
    const code = packed.files.filter((f) => f.startsWith('dist/') && f.endsWith('.js')).map((f) => readFileSync(join(dist, f.slice(5)), 'utf8'));
    for (const chunk of packed.files.filter((f) => /^dist\/chunk-.*\.js$/.test(f))) {
      expect(code.some((text) => text.includes(chunk.slice(5))), chunk).toBe(true);
    }
  });

  it('installs as a real package in the app, not a link to this checkout', () => {
    const installed = realpathSync(join(app, 'node_modules', 'taskres'));
    expect(installed).toBe(join(realpathSync(app), 'node_modules', 'taskres'));
    expect(readdirSync(installed).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'bin', 'dist', 'docs', 'examples', 'package.json', 'scripts']);
  });
});

describe('the installed bin', () => {
  const bin = () => join(app, 'node_modules', '.bin', 'taskres');
  const run = (...args: string[]) => runProcess(bin(), args, { cwd: app, timeoutMs: 120_000 });

  it('prints its version', async () => {
    const result = await run('--version');
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(`taskres ${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}`);
  });

  it('resolves the packaged example, in the sandbox', async () => {
    const result = await run('resolve', 'node_modules/taskres/examples/seed-tasks.json', '--task', 'my_task', '--args', 'node_modules/taskres/examples/args.json');
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ cpu: 2, memory: 8, storage: 0, gpu: 0 });
  }, 120_000);

  it('checks a TypeScript module, reporting every bad task', async () => {
    writeFileSync(join(app, 'tasks.ts'), "import { customTask, smallTask } from 'taskres';\nexport const a = customTask(0, 1)(function a() { return 1; });\nexport const b = smallTask(function b({ n }: { n: number }) { return n; });\nexport const c = customTask({ cpu: ({ m }: { m: number }) => m, memory: 1 })(function c({ n }: { n: number }) { return n; });\n");
    const result = await run('check', 'tasks.ts');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('✗ a: 1 problem');
    expect(result.stdout).toContain('✓ b');
    expect(result.stdout).toContain('✗ c: 1 problem\n  TASKRES_SIGNATURE [cpu]');
  }, 120_000);
});

describe.each([
  ['a strict TypeScript ESM app (module NodeNext)', app],
  ['a strict TypeScript CommonJS app (require)', cjsApp],
])('every README example in %s', (_kind, dir) => {
  it('compiles with tsc --strict against the installed types', async () => {
    const tsc = await compileApp(dir);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    const first = readFileSync(join(dir, 'out', 'block-1.js'), 'utf8');
    expect(first).toMatch(dir === app ? /from 'taskres'/ : /require\("taskres"\)/);
  }, 180_000);

  it.each(blocks.map((block, n) => ({ ...block, n: n + 1 })).filter((b) => b.run))('runs the block at line $line ($section)', async ({ n, expected }) => {
    expect(existsSync(join(dir, 'out', `block-${n}.js`)), 'compiled by the previous test').toBe(true);
    const run = await runBlock(dir, n);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.printed).toEqual(expected.map(normalise));
  }, 60_000);
});
