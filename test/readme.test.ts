/**
 * The README is a user guide whose examples must work. Every ```ts block is compiled as a
 * module of a fresh strict TypeScript ESM app that depends on the built package (a
 * `node_modules/taskres` link to this checkout), then run with Node. A `// =>` comment states
 * what the `console.log` on its line (or the line above) prints: the printed lines must be
 * exactly those, in order. A block preceded by `<!-- not-run -->` is compiled but not run.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from './helpers/run-process.js';
import { ROOT, compileApp, normalise, readmeBlocks, runBlock, writeBlockApp } from './helpers/readme-blocks.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = readmeBlocks();
let app: string;

beforeAll(() => {
  // A fresh app, outside this checkout, that installed taskres: what a user has.
  app = mkdtempSync(join(tmpdir(), 'taskres-readme-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(ROOT, join(app, 'node_modules', 'taskres'), 'dir');
  writeBlockApp(app, blocks, 'esm');
});

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('README', () => {
  it('has TypeScript examples, and every one states what it prints', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    expect(blocks.filter((b) => b.run).length).toBeGreaterThanOrEqual(blocks.length - 2);
  });

  it('every ts block compiles under tsc --strict in a fresh ESM app using the package', async () => {
    const tsc = await compileApp(app);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);

  it.each(blocks.map((block, n) => ({ ...block, n: n + 1 })).filter((b) => b.run))('runs the block at line $line ($section)', async ({ n, expected }) => {
    const file = join(app, 'out', `block-${n}.js`);
    expect(existsSync(file), 'compiled by the previous test').toBe(true);
    const run = await runBlock(app, n);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.printed).toEqual(expected.map(normalise));
  }, 60_000);

  it('the same package works from a CommonJS app: same exports, and it resolves', async () => {
    const script = [
      "const taskres = require('taskres');",
      "import('taskres').then(async (esm) => {",
      "  const same = JSON.stringify(Object.keys(taskres).sort()) === JSON.stringify(Object.keys(esm).sort());",
      "  const task = taskres.defineTask({ name: 't', params: ['n'], resources: { cpu: '({ n }) => n + 1', memory: 1 } });",
      "  const resolver = taskres.createResolver({ threads: 1 });",
      "  try { console.log(same, JSON.stringify(await resolver.resolve(task, { n: 2 }))); } finally { await resolver.close(); }",
      "});",
    ].join('\n');
    writeFileSync(join(app, 'cjs-app.cjs'), script);
    const run = await runProcess(process.execPath, ['cjs-app.cjs'], { cwd: app, timeoutMs: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('true {"cpu":3,"memory":1,"storage":500,"gpu":0}');
  }, 60_000);

  it('mentions every export of the package', () => {
    const index = readFileSync(join(ROOT, 'src', 'index.ts'), 'utf8');
    const names = [...index.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((m) =>
      m[1]!
        .split(',')
        .map((s) => s.trim().replace(/^type\s+/, '').replace(/^.* as /, ''))
        .filter(Boolean),
    );
    expect(names.length).toBeGreaterThan(50);
    const missing = names.filter((name) => !new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`).test(README));
    expect(missing).toEqual([]);
  });

  it('links only to files that exist', () => {
    const links = [...README.matchAll(/\]\((?!https?:|#)([^)#]+)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((link) => !existsSync(join(ROOT, link)))).toEqual([]);
  });
});
