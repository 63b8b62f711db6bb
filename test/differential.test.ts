/**
 * What runs is what was checked: a differential test between the definition-time checker
 * (acorn) and the engine that runs the function (V8), through the public API.
 *
 * A seeded generator builds and mutates sources around every place where a `/` may be a regex
 * or a division, and where ASI or an HTML comment changes the program. Each hides a payload,
 * `return (process, 31337)`, in text that one reading sees as code and the other as a regex,
 * string or comment. The checker rejects `process` wherever it sees it, so an accepted source
 * must never make 31337: if it does, code the checker did not see has run. For every accepted
 * source, the printed text re-parses to the tree that was checked, and the sandbox returns
 * exactly what V8 (node:vm) returns for the printed text.
 */
import { runInNewContext } from 'node:vm';
import { parse } from 'acorn';
import { afterAll, describe, expect, it } from 'vitest';
import { checkTaskSpec, createResolver, defineTask, isTaskresError, type Task } from '../dist/index.js';

const PAYLOAD = 'return (process, 31337)';
const resolver = createResolver({ threads: 2, timeoutMs: 2_000, limits: { cpu: { min: 0, max: 1_000_000 } } });
afterAll(() => resolver.close());

/** A small deterministic PRNG (mulberry32), so every run tests the same sources. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Statements that end where a following `/` (or `(`, `++`, `` ` ``) is ambiguous. */
const ENDINGS = [
  // function and class expressions: the issue's shape and its relatives
  'a ? 1 : function () {}', 'a ? 1 : function f() {}', 'a ? 1 : class {}', 'a ? 1 : async function () {}',
  'a ? b ? 1 : function () {} : function () {}', 'a || function () {}', 'a && class {}', 'a, function () {}',
  'a + function () {}', '!function () {}', 'void function () {}', 'typeof class {}', 'a ?? function () {}',
  'x = function () {}', 'x += function () {}', 'x = class {}', 'x = new function () {}', 'x = (function () {})',
  'x = [function () {}][0]', 'x = { f: function () {} }.f', 'x = a ? class {} : 1',
  // blocks, declarations and statement heads
  '{}', '{ x = 2 }', 'function g() {}', 'class K {}', 'if (a) {}', 'if (!a) {} else {}', 'if (a)', 'while (!a)',
  'for (; !a; )', 'for (var k in {})', 'for (var k of [])', 'l: {}', 'm: for (; !a; )', 'do {} while (!a)',
  'switch (a) { default: }', 'try {} finally {}', 'try {} catch {}', 'with ({})',
  // expressions ending in `)`, `]`, `}`, a literal or a template
  'x = {}', 'x = (a)', 'x = y[0]', 'x = a++', 'x = a--', 'x = /re/g', 'x = `t${a}`', 'x = `}${function () {}}`',
  'x = () => {}', 'x = () => x', 'x = async () => {}', 'x = (q) => q', 'x = a', 'x = 1',
  // keywords, and contextual keywords used as names in sloppy code
  'return', 'x = typeof', 'x = 1 in', 'x = await', 'x = let', 'x = of', 'x = yield', 'x = async',
];

/** What follows an ending: a regex-or-division trap, either way round, or an ASI trap. */
const CONTINUATIONS = [
  (v: number) => `/1;'/; return ${v}; //'; ${PAYLOAD}`,
  (v: number) => `/1;'/; ${PAYLOAD}; //'; return ${v}`,
  (v: number) => `/ 1 /g; return ${v}; /'/; ${PAYLOAD}`,
  (v: number) => `/[/]/; return ${v}; //]/; ${PAYLOAD}`,
  (v: number) => `++b; return ${v} + b`,
  (v: number) => `(0, ${v}); return ${v}`,
  (v: number) => `\`\${${v}}\`; return ${v}`,
  (v: number) => `[${v}]; return ${v}`,
  (v: number) => `<!-- ; ${PAYLOAD}\nreturn ${v}`,
  (v: number) => `--> ${PAYLOAD}\nreturn ${v}`,
  (v: number) => `/*\n*/ --> ${PAYLOAD}\nreturn ${v}`,
  (v: number) => `-->${v}; return ${v}`,
];

/** Whitespace and comments between an ending and its continuation, line terminators included. */
const SEPARATORS = ['\n', ' ', '\n\n', '\r\n', '\r', '\u2028', '\u2029', ' /**/\n', '\n/**/ ', ' /*\n*/ ', '\n// c\n', '\t\n\t'];

/** Small rewrites that move the ambiguity around. */
const MUTATIONS: ((source: string, next: () => number) => string)[] = [
  (s) => s,
  (s) => s.replace(/\n/g, '\n\n'),
  (s) => s.replace(/; /, ';\n'),
  (s) => s.replace(/\{\}/, '{ /* } */ }'),
  (s) => s.replace(/function/, 'function /**/'),
  (s) => s.replace(/ \/1/, '/1'),
  (s, next) => s.replace(/return (\d+)/, (_, v: string) => `return ${next() < 0.5 ? `(${v})` : `${v} /* / */`}`),
  (s) => s.replace(/x = /, 'x =\n'),
];

interface Case {
  source: string;
  /** For the explicit cases: the value as acorn read it, or rejected at definition. */
  expected?: number | 'rejected';
}

function generate(count: number, seed: number): Case[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const value = 1 + Math.floor(next() * 100);
    const ending = pick(ENDINGS);
    const body = `${ending}${pick(SEPARATORS)}${pick(CONTINUATIONS)(value)}${pick(['\n', ';\n', ' '])}`;
    // Half the time inside a nested generator, so that `yield` is an operator there.
    const wrapped =
      next() < 0.15
        ? `var gen = function* () { ${body.replace('x = yield', 'yield')}\n}; var it = gen(); it.next(); var r = it.next().value; return r === undefined ? 55 : r;`
        : body;
    const source = `function ({ p }) { var a = 1, b = 2, x = 3, y = [4], q = 5, f = 6, k, g2, K2; var of = 7, let = 8, await = 9, yield = 10, async = 11;\n${wrapped}\nreturn 99; }`;
    cases.push({ source: pick(MUTATIONS)(source, next) });
  }
  return cases;
}

/** The issue's shape: acorn reads a regex where V8 reads a division and code after it. */
const ISSUE_CASES: Case[] = [
  { source: "function (p) { var a = 1;\na ? 1 : function () {}\n/1;'/; return 7; //'; return 31337\n}", expected: 7 },
  // acorn reads `/ 1 /` as a regex and then fails on the rest: rejected at definition.
  { source: "function (p) { var a = 1;\na ? 1 : function () {}\n/ 1 /* ... */ ; return 8 }", expected: 'rejected' },
  { source: 'function (p) { var a = 1;\na ? 1 : function () {}\n/1;"/; return 8; //"; return 31337\n}', expected: 8 },
  {
    // V8 reading the original text inside `(...)` would close it and build a Proxy whose traps loop.
    source:
      "function (p) { var a = 1;\na ? 1 : function () {}\n/1;'/; return 9; //'; }) && new Proxy(function () {}, { get() { for (;;); } }); (function () {\n}",
    expected: 9,
  },
  { source: "(p) => { var a = 1;\na ? 1 : class {}\n/1;'/; return 10; //'; return 31337\n}", expected: 10 },
];

const POSITION_KEYS = new Set(['start', 'end']);

/** The function tree acorn reads from `(source\n)`, positions removed. */
function tree(source: string): unknown {
  const program = parse(`(${source}\n)`, { ecmaVersion: 'latest', sourceType: 'script' }) as unknown as {
    body: { expression: unknown }[];
  };
  return JSON.parse(JSON.stringify(program.body[0]!.expression, (key, value: unknown) => (POSITION_KEYS.has(key) ? undefined : value)));
}

/** What V8 does with a source: its value, or 'threw'. */
function runInV8(source: string): unknown {
  try {
    const fn = runInNewContext(`(${source}\n)`, {}, { timeout: 1_000 }) as (args: { p: number }) => unknown;
    return runInNewContext('fn({ p: 0 })', { fn }, { timeout: 1_000 });
  } catch {
    return 'threw';
  }
}

function define(source: string): Task | undefined {
  try {
    return defineTask({ name: 'differential', params: ['p'], resources: { cpu: source, memory: 1 } });
  } catch (error) {
    // Rejection is a fine outcome, but only as a typed definition error.
    expect(isTaskresError(error) && error.code, String(error)).toBe('TASKRES_UNSERIALIZABLE');
    return undefined;
  }
}

describe('the parser differential', () => {
  it('runs the issue example as the checker read it (printed from the checked tree), or rejects it', async () => {
    for (const { source, expected } of ISSUE_CASES) {
      const task = define(source);
      if (expected === 'rejected') {
        expect(task, source).toBeUndefined();
        continue;
      }
      expect(task, source).toBeDefined();
      expect(checkTaskSpec(task!.toJSON())).toEqual([]);
      const printed = task!.toJSON().resources.cpu as string;
      expect(printed).not.toContain('31337');
      expect(printed).not.toContain('Proxy');
      expect(tree(printed)).toEqual(tree(source));
      const [outcome] = await resolver.resolveMany([{ task: task!, args: { p: 0 } }]);
      expect(outcome).toEqual({ status: 'fulfilled', value: { cpu: expected, memory: 1, storage: 500, gpu: 0 } });
    }
    // The differential is real: V8 reads the original text differently from the checker.
    expect(runInV8(ISSUE_CASES[0]!.source)).toBe(31337);
  });

  it('generated sources: whatever is accepted runs exactly as printed, and never runs unchecked code', async () => {
    const cases = [...ISSUE_CASES, ...generate(1_200, 0x5eed)];
    const accepted: { source: string; printed: string; task: Task; v8: unknown }[] = [];
    let neutralized = 0;
    for (const [k, { source }] of cases.entries()) {
      // Let vitest's messages through now and then: this loop is seconds of synchronous work.
      if (k % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
      const task = define(source);
      if (!task) continue;
      const printed = task.toJSON().resources.cpu as string;
      // The printed text reads back as the tree that was checked.
      expect(tree(printed), source).toEqual(tree(source));
      const v8 = runInV8(printed);
      expect(v8, source).not.toBe(31337);
      if (runInV8(source) !== v8) neutralized += 1;
      accepted.push({ source, printed, task, v8 });
    }
    expect(accepted.length).toBeGreaterThanOrEqual(300);
    expect(neutralized).toBeGreaterThanOrEqual(ISSUE_CASES.filter((c) => c.expected !== 'rejected').length);

    const outcomes = await resolver.resolveMany(accepted.map(({ task }) => ({ task, args: { p: 0 } })));
    outcomes.forEach((outcome, i) => {
      const { source, v8 } = accepted[i]!;
      if (typeof v8 === 'number' && Number.isSafeInteger(v8) && v8 >= 0) {
        expect(outcome, source).toEqual({ status: 'fulfilled', value: { cpu: v8, memory: 1, storage: 500, gpu: 0 } });
      } else {
        expect(outcome.status, source).toBe('rejected');
        const reason = (outcome as { reason: unknown }).reason;
        expect(isTaskresError(reason) && reason.code, source).toBe(v8 === 'threw' ? 'TASKRES_FUNCTION_THREW' : 'TASKRES_INVALID_VALUE');
      }
    });
  }, 120_000);
});
