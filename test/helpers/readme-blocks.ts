/**
 * The README's ```ts blocks as tests use them: extracted with what each one prints, written as
 * the modules of a fresh strict TypeScript app (ESM, or a CommonJS variant) that has taskres in
 * its node_modules, compiled with tsc and run with plain node. Used by test/readme.test.ts (the
 * app links to this checkout) and test/package.test.ts (the app installed the packed tarball).
 */
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess, type ProcessResult } from './run-process.js';

/** This checkout. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const GiB = 1024 ** 3;

/** One ```ts block of the README. */
export interface Block {
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
export function extractBlocks(markdown: string): Block[] {
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

/** The blocks of this checkout's README.md. */
export function readmeBlocks(): Block[] {
  return extractBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
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

/** Whitespace-insensitive form of a printed line. */
export const normalise = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * A block as a CommonJS module: its imports stay on top (tsc turns them into `require('taskres')`
 * in a CommonJS package), the rest runs in an async function (CommonJS has no top-level await),
 * and `export` goes from its declarations.
 */
export function asCommonJs(source: string): string {
  const imports: string[] = [];
  const body: string[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (/^import\s/.test(lines[i]!)) {
      let statement = lines[i]!;
      while (!/from\s+'[^']+';?\s*$/.test(statement) && i + 1 < lines.length) statement += `\n${lines[++i]!}`;
      imports.push(statement);
    } else {
      body.push(lines[i]!.replace(/^export (?=(const|let|function|class|async) )/, '').replace(/^export \{\};?$/, ''));
    }
  }
  return `${imports.join('\n')}\n\nasync function main(): Promise<void> {\n${body.join('\n')}\n}\n\nmain().catch((error: unknown) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`;
}

/**
 * Writes the app around the blocks in `dir` (which has, or will have, `node_modules/taskres`):
 * package.json, a strict tsconfig (module NodeNext), one module per block under src/, the
 * files the examples name (sparse), and a console.log that prints one line per call.
 */
export function writeBlockApp(dir: string, blocks: readonly Block[], format: 'esm' | 'cjs'): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `readme-app-${format}`, private: true, type: format === 'esm' ? 'module' : 'commonjs' }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
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
  blocks.forEach((block, n) => {
    const source = format === 'esm' ? `${block.source}\nexport {};\n` : asCommonJs(block.source);
    writeFileSync(join(dir, 'src', `block-${n + 1}.ts`), `// README.md:${block.line} (${block.section})\n${source}`);
  });
  mkdirSync(join(dir, 'data'), { recursive: true });
  for (const [name, bytes] of Object.entries({ 'a.fq': 3 * GiB, 'b.fq': 1 * GiB })) {
    writeFileSync(join(dir, 'data', name), '');
    truncateSync(join(dir, 'data', name), bytes);
  }
  // One line per console.log call, whatever it prints, so claims map to calls. (.cjs: loads in both kinds of app.)
  writeFileSync(
    join(dir, 'one-line-log.cjs'),
    "const { formatWithOptions } = require('node:util');\nconsole.log = (...args) => process.stdout.write(formatWithOptions({ breakLength: Infinity, depth: 8 }, ...args).replace(/\\n/g, ' ') + '\\n');\n",
  );
}

/** tsc -p on the app, with this checkout's TypeScript. */
export function compileApp(dir: string): Promise<ProcessResult> {
  return runProcess(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { timeoutMs: 120_000 });
}

/** Runs compiled block `n` (1-based) with plain node; returns what it printed, one normalised line per console.log. */
export async function runBlock(dir: string, n: number): Promise<{ status: number | null; stderr: string; printed: string[] }> {
  const run = await runProcess(process.execPath, ['--require', './one-line-log.cjs', join(dir, 'out', `block-${n}.js`)], { cwd: dir, timeoutMs: 60_000 });
  return { status: run.status, stderr: run.stderr, printed: run.stdout.split('\n').filter((l) => l !== '').map(normalise) };
}
