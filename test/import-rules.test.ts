/**
 * The allowed imports of src/, enforced (docs/architecture.md, "Allowed imports", says why).
 * Every module of src/ is read and each of its imports classified: which folder (runtime) it
 * reaches, and whether only types cross (those vanish from the build, so they may point where
 * code may not). An arrow the table below does not allow fails the test, naming the file and
 * the import. The built sandbox worker is checked too: zod must not be in it, nor in any chunk
 * it loads.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

/** A folder of src/ (or `index.ts`, the public entry). */
type Area = 'core' | 'definition' | 'allocator' | 'protocol' | 'isolate' | 'sandbox-worker' | 'sandbox-process' | 'resolver' | 'index.ts' | 'cwl' | 'loading' | 'service' | 'cli';

interface Rule {
  /** Folders whose code it may import (its own is always allowed). */
  runtime: readonly Area[];
  /** Further folders it may import types from. */
  types?: readonly Area[];
  /** Single modules of other folders it may import, each with the reason. */
  modules?: Readonly<Record<string, string>>;
  /** Packages it may import at run time, besides Node's own modules. */
  packages: readonly string[];
}

/**
 * The rules. Read bottom up: `cli → service → loading → taskres (index.ts)`, and inside the
 * library `resolver → sandbox-process → sandbox-worker → isolate`, each of them on `protocol →
 * core`. `cli` appears in no list, so nothing imports it.
 */
const RULES: Readonly<Record<Area, Rule>> = {
  core: { runtime: [], packages: ['zod'] },
  definition: { runtime: ['core', 'protocol'], packages: ['zod', 'acorn', 'astring'] },
  allocator: { runtime: ['core'], types: ['definition'], packages: ['zod'] },
  // Everything that crosses a process, thread or realm: constants and shapes, no behaviour of
  // any side. Types may name the shapes they carry.
  protocol: { runtime: ['core'], types: ['definition', 'sandbox-worker'], packages: [] },
  // Source text for another realm: it may embed constants of the protocol, nothing else.
  isolate: { runtime: ['core', 'protocol'], packages: [] },
  'sandbox-worker': {
    runtime: ['core', 'protocol', 'isolate'],
    modules: { 'definition/task-file.ts': 'one rule for what a local path is (localPathOf), on both sides of the size lookup' },
    packages: [],
  },
  'sandbox-process': {
    runtime: ['core', 'protocol'],
    modules: {
      'sandbox-worker/entry.ts': 'the name of the worker program it starts',
      'sandbox-worker/load-ivm.ts': 'it loads isolated-vm once itself, to report a missing one before any thread starts',
    },
    packages: ['piscina'],
  },
  resolver: {
    runtime: ['core', 'definition', 'protocol'],
    modules: {
      'sandbox-process/entry.ts': 'the name of the sandbox program it starts',
      'sandbox-worker/load-ivm.ts': "isolated-vm's Node flags for the fork, and the shape of its load problems",
    },
    packages: ['zod'],
  },
  'index.ts': { runtime: ['core', 'definition', 'allocator', 'resolver'], packages: [] },
  // `taskres/cwl`, a public entry of its own: the same checks as resource functions
  // (definition), and one door into the sandbox's batch path.
  cwl: {
    runtime: ['core', 'definition'],
    types: ['resolver'],
    modules: { 'resolver/sandbox-jobs.ts': 'the one door into the sandbox batch path for CWL jobs (a Symbol.for key, so either build finds it)' },
    packages: ['acorn', 'astring'],
  },
  // The CLI, the service and what they share use the library through its public entry,
  // `taskres`, like any user: only core/ (errors, text) besides.
  loading: { runtime: ['core'], packages: ['taskres', 'esbuild'] },
  // Its spec-check worker thread (spec-worker.ts, started through piscina) uses `taskres` too.
  service: {
    runtime: ['core', 'loading'],
    modules: { 'resolver/sandbox-jobs.ts': "the resolver's internal door for a request's signal and caller group (a Symbol.for key: the resolver it opens is the `taskres` build's)" },
    packages: ['taskres', 'zod', 'fastify', 'prom-client', 'piscina'],
  },
  cli: {
    runtime: ['core', 'loading', 'service'],
    modules: { 'sandbox-worker/load-ivm.ts': '`taskres doctor` explains why isolated-vm does or does not load' },
    packages: ['taskres', 'zod', 'cli-table3', 'cli-progress', 'esbuild', 'yaml'],
  },
};

/** Packages whose types any module may name. */
const TYPE_PACKAGES = new Set(['zod', 'acorn', 'fastify', 'isolated-vm', 'esbuild']);

interface Import {
  file: string;
  specifier: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The imports of one module: static (`import`/`export … from`), side-effect and dynamic. */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  const fromClause = /^[ \t]*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*'([^']+)'/gm;
  for (const match of text.matchAll(fromClause)) {
    const clause = match[3]!;
    const named = /^\{([\s\S]*)\}$/.exec(clause.trim())?.[1];
    const allTypes = named !== undefined && named.split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '));
    found.push({ file, specifier: match[4]!, typeOnly: match[2] !== undefined || allTypes });
  }
  for (const match of text.matchAll(/^[ \t]*import\s*'([^']+)'/gm)) found.push({ file, specifier: match[1]!, typeOnly: false });
  for (const match of text.matchAll(/(typeof\s+)?\bimport\(\s*'([^']+)'\s*\)/g)) found.push({ file, specifier: match[2]!, typeOnly: match[1] !== undefined });
  return found;
}

/** The area of a path relative to src/. */
function areaOf(relativePath: string): Area {
  const first = relativePath.split('/')[0]!;
  if (!(first in RULES)) throw new Error(`src/${relativePath} is in no area of the import rules; add its folder to RULES and to docs/architecture.md`);
  return first as Area;
}

/** Why an import breaks the rules, or undefined when it is allowed. */
function violation({ file, specifier, typeOnly }: Import): string | undefined {
  const from = posix.normalize(relative(SRC, file).split('\\').join('/'));
  const area = areaOf(from);
  const rule = RULES[area];
  if (!specifier.startsWith('.')) {
    const name = specifier.startsWith('node:') ? 'node:' : specifier.split('/')[0]!;
    if (name === 'node:') return undefined;
    if (typeOnly && TYPE_PACKAGES.has(name)) return undefined;
    return rule.packages.includes(name) ? undefined : `the package '${specifier}'`;
  }
  const target = posix.normalize(posix.join(posix.dirname(from), specifier.replace(/\.js$/, '.ts')));
  const to = areaOf(target);
  if (to === area) return undefined;
  if (rule.runtime.includes(to)) return undefined;
  if (typeOnly && rule.types?.includes(to)) return undefined;
  if (rule.modules && Object.hasOwn(rule.modules, target)) return undefined;
  return `${to}/ (${target})${typeOnly ? ', types only' : ''}`;
}

describe('import rules (docs/architecture.md)', () => {
  const files = sourceFiles(SRC);
  const imports = files.flatMap(importsOf);

  it('reads every module of src/ and finds its imports', () => {
    expect(files.length).toBeGreaterThan(50);
    // The parser is not vacuous: known arrows are seen.
    const seen = (from: string, specifier: string) => imports.some((i) => relative(SRC, i.file) === from && i.specifier === specifier);
    expect(seen('cli/main.ts', '../loading/specs.js')).toBe(true);
    expect(seen('service/lifecycle.ts', '../loading/specs.js')).toBe(true);
    expect(seen('sandbox-process/main.ts', '../sandbox-worker/entry.js')).toBe(true);
    expect(imports.find((i) => relative(SRC, i.file) === 'loading/modules.ts' && i.specifier === './check-hooks.js')?.typeOnly).toBe(true);
  });

  it('allows only the arrows of the rules', () => {
    const broken = imports.flatMap((found) => {
      const why = violation(found);
      return why === undefined ? [] : [`src/${relative(SRC, found.file)} imports ${why}`];
    });
    expect(broken).toEqual([]);
  });

  it('lets nothing import the CLI, and nothing but the CLI import the service', () => {
    for (const found of imports) {
      if (!found.specifier.startsWith('.')) continue;
      const from = relative(SRC, found.file);
      const target = posix.normalize(posix.join(posix.dirname(from), found.specifier));
      if (!from.startsWith('cli/')) expect(target.startsWith('cli/'), `${from} imports ${found.specifier}`).toBe(false);
      if (!from.startsWith('cli/') && !from.startsWith('service/')) expect(target.startsWith('service/'), `${from} imports ${found.specifier}`).toBe(false);
    }
  });

  it('flags an arrow that breaks the rules (the check is not vacuous)', () => {
    expect(violation({ file: join(SRC, 'service/routes.ts'), specifier: '../cli/output.js', typeOnly: false })).toContain('cli/');
    expect(violation({ file: join(SRC, 'protocol/messages.ts'), specifier: '../resolver/resolver.js', typeOnly: false })).toContain('resolver/');
    expect(violation({ file: join(SRC, 'isolate/prelude.ts'), specifier: 'zod', typeOnly: false })).toContain('zod');
    expect(violation({ file: join(SRC, 'loading/specs.ts'), specifier: '../definition/task.js', typeOnly: false })).toContain('definition/');
  });

  // dist/ is built by `npm test` (and `npx tsup`) before the tests run.
  it.runIf(existsSync(join(ROOT, 'dist/sandbox-worker.js')))('keeps zod out of the sandbox worker bundle and every chunk it loads', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      expect(text, `${relative(ROOT, file)} loads zod`).not.toMatch(/from\s*["']zod["']|require\(["']zod["']\)|import\(["']zod["']\)/);
      expect(text, `${relative(ROOT, file)} holds zod's code`).not.toMatch(/\$ZodType|ZodError/);
      for (const match of text.matchAll(/(?:from\s*|import\s*\(?\s*)["'](\.\/[^"']+\.js)["']/g)) visit(join(dirname(file), match[1]!));
    };
    visit(join(ROOT, 'dist/sandbox-worker.js'));
    expect(seen.size).toBeGreaterThanOrEqual(1);
  });
});
