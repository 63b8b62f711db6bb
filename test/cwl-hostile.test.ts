/**
 * Hostile CWL: expressionLibs and expressions from the hostile corpus's classes (escapes,
 * loops, memory bombs, prototype tricks, poisonous results, reading another job's inputs in a
 * batch, text that tries to close the wrapper taskres puts around it). Each must end in an
 * ordinary value or a typed error, and the resolver must keep serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResolver, isTaskresError, type Resolver } from '../dist/index.js';
import { resolveCwl, resolveCwlMany } from '../dist/cwl.js';

let resolver: Resolver;

beforeAll(() => {
  resolver = createResolver({ threads: 2, timeoutMs: 200, memoryLimitMiB: 32 });
});
afterAll(async () => {
  await resolver.close();
});

function tool(fields: Record<string, unknown>, expressionLib: string[] = [], javascript = true): Record<string, unknown> {
  return {
    class: 'CommandLineTool',
    cwlVersion: 'v1.2',
    id: 'hostile',
    inputs: { n: 'int?' },
    outputs: [],
    requirements: {
      ...(javascript ? { InlineJavascriptRequirement: { expressionLib } } : {}),
      ResourceRequirement: fields,
    },
  };
}

async function outcomeOf(t: Record<string, unknown>, job: Record<string, unknown> = {}): Promise<{ value?: unknown; code?: string; message?: string }> {
  try {
    return { value: await resolveCwl(resolver, t, job) };
  } catch (error) {
    expect(isTaskresError(error), String(error)).toBe(true);
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
}

const benign = tool({ coresMin: '$(inputs.n + 1)' });

async function stillServes(): Promise<void> {
  expect(await resolveCwl(resolver, benign, { n: 2 })).toEqual({ cores: 3, ram: 256, tmpdirSize: 1024, outdirSize: 1024 });
}

// [name, tool, expected codes]
const cases: [string, Record<string, unknown>, string[]][] = [
  // Escapes
  ['Function constructor', tool({ coresMin: "$(Function('return 31337')())" }), ['TASKRES_FUNCTION_THREW']],
  ['constructor chain', tool({ coresMin: "$((function () {}).constructor('return 31337')())" }), ['TASKRES_FUNCTION_THREW']],
  ['async constructor chain', tool({ coresMin: "$((async function () {}).constructor('return 1')())" }), ['TASKRES_CWL_INVALID']], // async functions refused (round 4)
  ['this is undefined in strict mode', tool({ coresMin: "${ return this.constructor.constructor('return process')().pid; }" }), ['TASKRES_FUNCTION_THREW', 'TASKRES_CWL_INVALID']],
  ['caller chain', tool({ coresMin: '${ return (function f() { return f.caller.caller; })(); }' }), ['TASKRES_FUNCTION_THREW']],
  ['arguments.callee', tool({ coresMin: '${ return arguments.callee.length; }' }), ['TASKRES_FUNCTION_THREW']],
  ['process', tool({ coresMin: '$(process.pid)' }), ['TASKRES_CWL_INVALID']],
  ['require in the lib', tool({ coresMin: '$(1)' }, ["var fs = require('fs');"]), ['TASKRES_CWL_INVALID']],
  ['eval', tool({ coresMin: "$(eval('31337'))" }), ['TASKRES_CWL_INVALID']],
  ['dynamic import', tool({ coresMin: "${ import('fs'); return 1; }" }), ['TASKRES_CWL_INVALID']],
  ['WebAssembly', tool({ coresMin: '$(typeof WebAssembly)' }), ['TASKRES_CWL_INVALID']],
  ['globalThis.process', tool({ coresMin: "$(typeof globalThis.process === 'undefined' && typeof globalThis.require === 'undefined' ? 1 : 31337)" }), ['value 1']],
  // Loops
  ['endless expression', tool({ coresMin: '${ for (;;) {} }' }), ['TASKRES_TIMEOUT']],
  ['endless lib', tool({ coresMin: '$(1)' }, ['while (true) {}']), ['TASKRES_TIMEOUT']],
  ['endless microtasks', tool({ coresMin: '${ var f = function () { Promise.resolve().then(f); }; f(); return 1; }' }), ['TASKRES_CWL_INVALID']], // no Promise (round 4)
  ['deep recursion', tool({ coresMin: '${ var f = function (n) { return f(n + 1) + 1; }; return f(0); }' }), ['TASKRES_FUNCTION_THREW']],
  // Memory
  ['array growth', tool({ ramMin: '${ var a = []; for (;;) a.push(new Array(100000).fill(1)); }' }), ['TASKRES_MEMORY_LIMIT', 'TASKRES_TIMEOUT']],
  ['string bomb in the lib', tool({ ramMin: '$(big.length)' }, ["var big = 'x'; for (var i = 0; i < 40; i++) big = big + big; big = big.split('');"]), ['TASKRES_MEMORY_LIMIT', 'TASKRES_TIMEOUT', 'TASKRES_FUNCTION_THREW']],
  ['repeat', tool({ ramMin: "$('x'.repeat(2 ** 29).length)" }), ['TASKRES_MEMORY_LIMIT', 'TASKRES_FUNCTION_THREW', 'TASKRES_TIMEOUT']],
  // Prototype tricks
  ['Object.prototype pollution', tool({ coresMin: '${ Object.prototype.coresMin = 31337; return 1; }' }), ['TASKRES_FUNCTION_THREW']],
  ['Math.min replaced', tool({ coresMin: '${ Math.min = function () { return 31337; }; return 1; }' }), ['TASKRES_FUNCTION_THREW']],
  ['Array.prototype.push replaced in the lib', tool({ coresMin: '$(1)' }, ['Array.prototype.push = function () { return 31337; };']), ['TASKRES_FUNCTION_THREW']],
  ['JSON.parse replaced', tool({ coresMin: '${ JSON.parse = function () { return { n: 31337 }; }; return 1; }' }), ['TASKRES_FUNCTION_THREW']],
  // Poisonous results
  ['valueOf object', tool({ coresMin: '${ return { valueOf: function () { return 4; } }; }' }), ['TASKRES_INVALID_VALUE']],
  ['Proxy', tool({ coresMin: '${ return new Proxy({}, { get: function () { for (;;) {} } }); }' }), ['TASKRES_INVALID_VALUE']],
  ['thenable', tool({ coresMin: '${ return { then: function (r) { r(4); } }; }' }), ['TASKRES_INVALID_VALUE']],
  ['Promise', tool({ coresMin: '$(Promise.resolve(4))' }), ['TASKRES_CWL_INVALID']],
  ['array of one', tool({ coresMin: '$([4])' }), ['TASKRES_INVALID_VALUE']],
  ['Infinity', tool({ coresMin: '$(1 / 0)' }), ['TASKRES_INVALID_VALUE']],
  ['bigint', tool({ coresMin: '$(4n)' }), ['TASKRES_INVALID_VALUE']],
  ['thrown getter', tool({ coresMin: "${ throw { get message() { for (;;) {} } }; }" }), ['TASKRES_FUNCTION_THREW', 'TASKRES_TIMEOUT']],
  // Text that tries to close the wrapper around it
  ['lib closes the function', tool({ coresMin: '$(1)' }, ['}; return 31337; {']), ['TASKRES_CWL_INVALID']],
  ['lib returns', tool({ coresMin: '$(1)' }, ['return 31337;']), ['TASKRES_CWL_INVALID']],
  ['lib opens a comment', tool({ coresMin: '$(1)' }, ['/*']), ['TASKRES_CWL_INVALID']],
  ['body closes its function', tool({ coresMin: '${ return 1; }); (function () { return 31337; }' }), ['TASKRES_INVALID_VALUE', 'TASKRES_CWL_INVALID']],
  ['expression closes its parenthesis', tool({ coresMin: '$(1), (31337)' }), ['TASKRES_INVALID_VALUE', 'TASKRES_CWL_INVALID']],
  ['case label in a body', tool({ coresMin: '${ return 1; case 1: return 31337; }' }), ['TASKRES_CWL_INVALID']],
  ['HTML comment', tool({ coresMin: '$(1)' }, ['x = 1\n--> return 31337']), ['TASKRES_CWL_INVALID']],
  ['oversized lib', tool({ coresMin: '$(1)' }, [`var s = '${'x'.repeat(300 * 1024)}';`]), ['TASKRES_CWL_INVALID']],
  ['reference without JavaScript that is JavaScript', tool({ coresMin: "$(inputs.constructor.constructor('return 31337')())" }, [], false), ['TASKRES_CWL_INVALID']],
  ['reference to a prototype key', tool({ coresMin: '$(inputs.constructor)' }, [], false), ['TASKRES_FUNCTION_THREW']],
  ['reference to __proto__', tool({ coresMin: '$(inputs.__proto__)' }, [], false), ['TASKRES_FUNCTION_THREW']],
];

describe('hostile CWL', () => {
  for (const [name, t, expected] of cases) {
    it(`${name}: ${expected.join(' | ')}, and the resolver keeps serving`, async () => {
      const outcome = await outcomeOf(t, { n: 1 });
      const got = outcome.code ?? `value ${(outcome.value as { cores: number }).cores}`;
      expect(expected, `${name}: ${outcome.message ?? JSON.stringify(outcome.value)}`).toContain(got);
      if (outcome.message) expect(outcome.message.length).toBeLessThan(1000);
      await stillServes();
    });
  }

  it('a job in a batch never sees another job\'s inputs', async () => {
    const spy = tool(
      {
        coresMin: '${ try { Object.defineProperty(Object, "seen", { value: inputs.n }); } catch (e) {} return (Object.seen === undefined ? inputs.n : Object.seen) + 1; }',
        ramMin: '${ stash.push(inputs.n); return stash.length * 100 + (typeof globalThis.leak === "number" ? 31337 : 0); }',
        tmpdirMin: '${ try { globalThis.leak = inputs.n; } catch (e) {} return inputs.n; }',
      },
      ['var stash = [];'],
    );
    const outcomes = await resolveCwlMany(resolver, Array.from({ length: 200 }, (_, n) => ({ tool: spy, job: { n } })));
    outcomes.forEach((outcome, n) => {
      expect(outcome).toEqual({ status: 'fulfilled', value: { cores: n + 1, ram: 100, tmpdirSize: n, outdirSize: 1024 } });
    });
  });

  it('a hostile job in a batch fails alone: its neighbours get their values', async () => {
    const loop = tool({ coresMin: '${ if (inputs.n === 7) { for (;;) {} } return inputs.n + 1; }' });
    const outcomes = await resolveCwlMany(resolver, Array.from({ length: 20 }, (_, n) => ({ tool: loop, job: { n } })));
    outcomes.forEach((outcome, n) => {
      if (n === 7) expect(outcome.status === 'rejected' && outcome.reason.code).toBe('TASKRES_TIMEOUT');
      else expect(outcome).toEqual({ status: 'fulfilled', value: { cores: n + 1, ram: 256, tmpdirSize: 1024, outdirSize: 1024 } });
    });
  });
});

describe('one job is one evaluation (its lib and every field)', () => {
  // Each piece spins for ~40% of the resolver's 200 ms timeoutMs, bounded by the clock: alone
  // each fits, the lib and four fields together take about twice timeoutMs on any machine.
  const spin = 'var spinStart = Date.now(); while (Date.now() - spinStart < 80) {}';
  const slowField = `\${ ${spin} return 1; }`;

  it('a job whose lib and fields together run past timeoutMs gets TASKRES_TIMEOUT, and its neighbours their values', async () => {
    const slow = tool({ coresMin: slowField, ramMin: slowField, tmpdirMin: slowField, outdirMin: slowField }, [spin]);
    const quick = tool({ coresMin: '$(inputs.n + 1)', ramMin: '$(inputs.n * 100)' });
    const outcomes = await resolveCwlMany(resolver, [
      { tool: quick, job: { n: 1 } },
      { tool: slow, job: {} },
      { tool: quick, job: { n: 2 } },
    ]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: { cores: 2, ram: 100, tmpdirSize: 1024, outdirSize: 1024 } });
    expect(outcomes[1]!.status === 'rejected' && outcomes[1]!.reason.code).toBe('TASKRES_TIMEOUT');
    expect(outcomes[1]!.status === 'rejected' && outcomes[1]!.reason.message).toMatch(/expressionLib and its 4 JavaScript fields, one evaluation\) ran longer than timeoutMs \(200 ms\)/);
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: { cores: 3, ram: 200, tmpdirSize: 1024, outdirSize: 1024 } });
  });

  it('runs the lib once per job: a counter in it goes on across the fields and starts again in every job', async () => {
    const counted = tool(
      { coresMin: '$(count())', ramMin: '$(count() * 100)', tmpdirMin: '$(count() * 1000)', outdirMin: '$(count() * 1000 + libRuns)' },
      ['var libRuns = 0; libRuns += 1; var calls = 0; function count() { calls += 1; return calls; }'],
    );
    const outcomes = await resolveCwlMany(resolver, Array.from({ length: 50 }, () => ({ tool: counted, job: {} })));
    for (const outcome of outcomes) expect(outcome).toEqual({ status: 'fulfilled', value: { cores: 1, ram: 200, tmpdirSize: 3000, outdirSize: 4001 } });
  });

  it('charges a memory bomb split across fields to its job, whose neighbours get their values', async () => {
    // ~14 MiB kept per field: each fits in memoryLimitMiB (32) alone, the four together do not.
    const part = '${ kept.push(new Array(1750000).fill(1.5)); return kept.length; }';
    const bomb = tool({ coresMin: part, ramMin: part, tmpdirMin: part, outdirMin: part }, ['var kept = [];']);
    const outcomes = await resolveCwlMany(resolver, [
      { tool: benign, job: { n: 1 } },
      { tool: bomb, job: {} },
      { tool: benign, job: { n: 2 } },
    ]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: { cores: 2, ram: 256, tmpdirSize: 1024, outdirSize: 1024 } });
    // Near the limit V8 may collect over and over until the deadline passes first (seen on a
    // new machine at load 5): either stop is charged to the bomb's job alone.
    expect(['TASKRES_MEMORY_LIMIT', 'TASKRES_TIMEOUT']).toContain(outcomes[1]!.status === 'rejected' && outcomes[1]!.reason.code);
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: { cores: 3, ram: 256, tmpdirSize: 1024, outdirSize: 1024 } });
    await stillServes();
  });

  it('names the field that threw, and runs no field after it', async () => {
    const throwing = tool({ coresMin: '$(mark(1))', ramMin: "${ throw new RangeError('ram out of range'); }", tmpdirMin: '$(mark(2))' }, ['function mark(n) { return n; }']);
    const outcome = await outcomeOf(throwing);
    expect(outcome.code).toBe('TASKRES_FUNCTION_THREW');
    expect(outcome.message).toMatch(/^ramMin of CWL tool "hostile" threw .*RangeError: ram out of range/);
  });
});
