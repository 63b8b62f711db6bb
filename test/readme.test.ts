/**
 * The README is a user guide whose examples must work. Every ```ts block is compiled as a
 * module of a fresh strict TypeScript ESM app that depends on the built package (a
 * `node_modules/taskres` link to this checkout), then run with Node. A `// =>` comment states
 * what the `console.log` on its line (or the line above) prints: the printed lines must be
 * exactly those, in order. A block preceded by `<!-- not-run -->` is compiled but not run.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const GiB = 1024 ** 3;

interface Block {
  /** 1-based line of the opening fence, for failure messages. */
  line: number;
  /** The heading the block sits under. */
  section: string;
  source: string;
  run: boolean;
  /** What its console.log calls print, in order. */
  expected: string[];
}

/** The ```ts blocks of a Markdown text. */
function extractBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let section = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^#{1,6} /.test(line)) section = line.replace(/^#+ /, '');
    const fence = /^(`{3,})(\S*)/.exec(line);
    if (!fence) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith(fence[1]!) && l.trim() === fence[1]);
    if (end < 0) throw new Error(`README.md:${i + 1}: unclosed code fence`);
    if (fence[2] === 'ts' || fence[2] === 'typescript') {
      const previous = lines.slice(0, i).reverse().find((l) => l.trim() !== '') ?? '';
      const source = lines.slice(i + 1, end).join('\n');
      blocks.push({ line: i + 1, section, source, run: !previous.includes('<!-- not-run -->'), expected: expectations(source, i + 1) });
    }
    i = end;
  }
  return blocks;
}

/** The `// =>` claims of a block; each must belong to a console.log on its line or the line above. */
function expectations(source: string, fenceLine: number): string[] {
  const lines = source.split('\n');
  const expected: string[] = [];
  let logs = 0;
  lines.forEach((line, k) => {
    const logsHere = (line.match(/console\.log\(/g) ?? []).length;
    logs += logsHere;
    const claim = /\/\/ => (.*)$/.exec(line);
    if (!claim) return;
    const onItsOwn = line.trimStart().startsWith('// =>');
    const owner = onItsOwn ? lines[k - 1] ?? '' : line;
    if (!owner.includes('console.log(')) {
      throw new Error(`README.md:${fenceLine + 1 + k}: a '// =>' claim must follow a console.log on its line or the line above, so the test can check it`);
    }
    expected.push(claim[1]!.trim());
  });
  if (logs !== expected.length) {
    throw new Error(`README.md:${fenceLine}: ${logs} console.log calls but ${expected.length} '// =>' claims; state what each one prints`);
  }
  return expected;
}

const normalise = (text: string): string => text.replace(/\s+/g, ' ').trim();

const blocks = extractBlocks(README);
let app: string;

beforeAll(() => {
  // A fresh app, outside this checkout, that installed taskres: what a user has.
  app = mkdtempSync(join(tmpdir(), 'taskres-readme-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(ROOT, join(app, 'node_modules', 'taskres'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'readme-app', private: true, type: 'module' }));
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUnusedLocals: true,
        noUnusedParameters: true,
        noImplicitReturns: true,
        noUncheckedIndexedAccess: true,
        // Standard (TC39) decorators: the README says experimentalDecorators is not needed.
        experimentalDecorators: false,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
        outDir: 'out',
        rootDir: 'src',
      },
      include: ['src'],
    }),
  );
  mkdirSync(join(app, 'src'));
  blocks.forEach((block, n) => writeFileSync(join(app, 'src', `block-${n + 1}.ts`), `// README.md:${block.line} (${block.section})\n${block.source}\nexport {};\n`));
  // The files the examples name: sparse, so they take no disk.
  mkdirSync(join(app, 'data'));
  for (const [name, bytes] of Object.entries({ 'a.fq': 3 * GiB, 'b.fq': 1 * GiB })) {
    writeFileSync(join(app, 'data', name), '');
    truncateSync(join(app, 'data', name), bytes);
  }
  // One line per console.log call, whatever it prints, so claims map to calls.
  writeFileSync(
    join(app, 'one-line-log.mjs'),
    "import { formatWithOptions } from 'node:util';\nconsole.log = (...args) => process.stdout.write(formatWithOptions({ breakLength: Infinity, depth: 8 }, ...args).replace(/\\n/g, ' ') + '\\n');\n",
  );
});

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('README', () => {
  it('has TypeScript examples, and every one states what it prints', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    expect(blocks.filter((b) => b.run).length).toBeGreaterThanOrEqual(blocks.length - 2);
  });

  it('every ts block compiles under tsc --strict in a fresh ESM app using the package', () => {
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { encoding: 'utf8', timeout: 120_000 });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);

  it.each(blocks.map((block, n) => ({ ...block, n: n + 1 })).filter((b) => b.run))('runs the block at line $line ($section)', ({ n, expected }) => {
    const file = join(app, 'out', `block-${n}.js`);
    expect(existsSync(file), 'compiled by the previous test').toBe(true);
    const run = spawnSync(process.execPath, ['--import', './one-line-log.mjs', file], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const printed = run.stdout.split('\n').filter((l) => l !== '').map(normalise);
    expect(printed).toEqual(expected.map(normalise));
  }, 60_000);

  it('the same package works from a CommonJS app: same exports, and it resolves', () => {
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
    const run = spawnSync(process.execPath, ['cjs-app.cjs'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
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
