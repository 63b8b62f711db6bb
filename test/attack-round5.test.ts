/**
 * Round 5: an attacker's review of the sandbox on Node 20, 22 and 24, through the public API
 * (dist). Findings, now fixed (each case failed before):
 * (1) RegExp.prototype[Symbol.split] and [Symbol.matchAll] build their matcher with the engine's
 *     own RegExp when the receiver has no species constructor, so a plain object as receiver
 *     (`{ constructor: undefined, toString: () => pattern }`, also through String split and
 *     matchAll) had any pattern compiled past MAX_PATTERN_CHARS: 9 MB of alternation wedged a
 *     thread and took ~200 MB outside memoryLimitMiB;
 * (2) what a pattern costs is not its length: a Unicode property escape builds a character set
 *     (`\p{L}` ~16 KB), a property of strings under the `v` flag ~0.9 MB (`\p{RGI_Emoji}`, 13
 *     characters): within 64 KiB at run time, and in a regex literal at definition, where acorn
 *     and the compile check had V8 parse it in the user's process: a 13 KB function took 10 s and
 *     940 MB in `defineTask`, a 3.9 KB CWL field 10 s and 340 MB of the server's event loop;
 * (3) regex literals used syntax newer than the reviewed ES2023 (the `v` flag; modifiers and
 *     duplicate group names on Node 24).
 * Attempts that did not get through (private members and async syntax in every position, newer
 * built-ins on each line) are kept as passing cases.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createResolver, defineTask, isTaskresError, type Resources } from '../dist/index.js';
import { resolveCwl } from '../dist/cwl.js';
import { post, serve } from './helpers/server.js';

const LIMITS = { cpu: { min: 0, max: 1_000_000 } };
type Outcome = { cpu: number } | { code: string; message: string };
const outcomeOf = (settled: PromiseSettledResult<Resources>): Outcome =>
  settled.status === 'fulfilled'
    ? { cpu: settled.value.cpu }
    : { code: isTaskresError(settled.reason) ? settled.reason.code : 'raw', message: String((settled.reason as Error)?.message) };
const task = (name: string, cpu: string) => defineTask({ name, params: ['n'], resources: { cpu, memory: 1 } });
const definitionError = (cpu: string): { code: string; message: string } | undefined => {
  try {
    task('probe', cpu);
    return undefined;
  } catch (error) {
    return { code: isTaskresError(error) ? error.code : 'raw', message: String((error as Error).message) };
  }
};

const resolver = createResolver({ threads: 1, timeoutMs: 10_000, memoryLimitMiB: 32, limits: LIMITS, overLimit: 'error' });
afterAll(() => resolver.close());

async function run(cpu: string, n = 1): Promise<Outcome> {
  return outcomeOf((await Promise.allSettled([resolver.resolve(task('attempt', cpu), { n })]))[0]!);
}

describe('every path that builds a RegExp at run time is bounded', () => {
  // 300 KB of alternation, past MAX_PATTERN_CHARS (64 KiB).
  const HUGE = `const huge = "(?:" + "ab|".repeat(n) + "c)";`;
  it.each([
    ['Symbol.split on a receiver without a constructor', `RegExp.prototype[Symbol.split].call({ constructor: undefined, flags: "", toString: () => huge }, "xcx").length`],
    ['Symbol.matchAll on a receiver without a constructor', `[...RegExp.prototype[Symbol.matchAll].call({ constructor: undefined, flags: "g", lastIndex: 0, toString: () => huge }, "xcx")].length`],
    ['String split with a separator borrowing Symbol.split', `"xcx".split({ [Symbol.split]: RegExp.prototype[Symbol.split], constructor: undefined, flags: "", toString: () => huge }).length`],
    ['String matchAll with a null species', `[..."xcx".matchAll({ [Symbol.matchAll]: RegExp.prototype[Symbol.matchAll], constructor: { [Symbol.species]: null }, flags: "g", toString: () => huge })].length`],
    ['a regex-like receiver (Symbol.match, source) with a constructor lacking species', `RegExp.prototype[Symbol.split].call({ constructor: {}, [Symbol.match]: true, source: huge, flags: "" }, "xcx").length`],
    ['a species getter answering undefined', `RegExp.prototype[Symbol.split].call({ constructor: { get [Symbol.species]() { return undefined; } }, flags: "", toString: () => huge }, "xcx").length`],
    ['a receiver whose toString answers short first, then long', `{ let k = 0; return RegExp.prototype[Symbol.split].call({ constructor: undefined, flags: "", toString: () => (k++ === 0 ? "c" : huge) }, "xcx").length + k * 0; }`],
  ])('%s: refused in the function, the sandbox process lives', async (_, body) => {
    const before = resolver.sandboxStarts;
    const cpu = `({ n }) => { ${HUGE} ${body.startsWith('{') ? body.slice(1, -1) : `return ${body};`} }`;
    const outcome = await run(cpu, 100_000);
    if (body.startsWith('{')) {
      // A toString read once: the short pattern is what runs (the engine never reads it again).
      expect(outcome).toEqual({ cpu: 2 });
    } else {
      expect(outcome).toMatchObject({ code: 'TASKRES_FUNCTION_THREW', message: expect.stringMatching(/a regular expression built at run time may have at most 65536 characters/) });
    }
    expect(resolver.sandboxStarts).toBe(before);
  }, 60_000);

  it.each([
    ['17 property escapes through new RegExp', `new RegExp("\\\\p{L}".repeat(17), "u").test("a")`, /at most 16 Unicode property escapes/],
    ['17 property escapes through a Symbol.split receiver', `RegExp.prototype[Symbol.split].call({ constructor: undefined, flags: "u", toString: () => "\\\\p{L}".repeat(17) }, "a").length`, /at most 16 Unicode property escapes/],
    ['17 property escapes through String match', `"a".match("\\\\p{L}".repeat(17)) ? 1 : 0`, /at most 16 Unicode property escapes/],
    ['the v flag through new RegExp', `new RegExp("a", "v").test("a")`, /may use only the flags dgimsuy/],
    ['the v flag over a literal', `new RegExp(/a/, "v").test("a")`, /may use only the flags dgimsuy/],
    ['the v flag from a regex-like object', `RegExp({ [Symbol.match]: true, source: "a", flags: "v" }).test("a")`, /may use only the flags dgimsuy/],
    ['the v flag from a flags object read once', `{ let k = 0; return new RegExp("a", { toString: () => (k++ === 0 ? "v" : "g") }).test("a"); }`, /may use only the flags dgimsuy/],
    ['the v flag through a Symbol.split receiver', `RegExp.prototype[Symbol.split].call({ constructor: undefined, flags: "v", toString: () => "a" }, "bab").length`, /may use only the flags dgimsuy/],
    ['the v flag through a Symbol.matchAll receiver', `[...RegExp.prototype[Symbol.matchAll].call({ constructor: undefined, flags: "gv", toString: () => "a" }, "bab")].length`, /may use only the flags dgimsuy/],
    ['properties of strings under v', `new RegExp("\\\\p{RGI_Emoji}".repeat(5000), "v").test("a")`, /may use only the flags dgimsuy|at most 16 Unicode property escapes/],
  ])('%s: refused', async (_, body, message) => {
    const before = resolver.sandboxStarts;
    const cpu = `({ n }) => { ${body.startsWith('{') ? body.slice(1, -1) : `return ${body} ? 1 : 0;`} }`;
    expect(await run(cpu)).toMatchObject({ code: 'TASKRES_FUNCTION_THREW', message: expect.stringMatching(message) });
    expect(resolver.sandboxStarts).toBe(before);
  }, 60_000);

  // Each expression runs in the sandbox and in this process's engine: the wrappers of Symbol.split
  // and Symbol.matchAll must answer exactly as the engine's methods do, observable order included.
  it.each([
    ['split by a regex', `'a1b2c3'.split(/\\d/).length`],
    ['split with a limit', `'a1b2c3'.split(/\\d/, 2).join('').length`],
    ['split with captures', `'a1b2c3'.split(/(\\d)/).join('|').length`],
    ['split, sticky', `'a,b,,c'.split(/,/y).length`],
    ['split, unicode, empty pattern', `'ab\\u{1F600}cd'.split(/(?:)/u).length`],
    ['split of an empty string', `''.split(/x/).length + ''.split(/(?:)/).length * 10`],
    ['matchAll indices', `[...'a1b22c333'.matchAll(/\\d+/g)].reduce((s, m) => s * 10 + m.index, 0)`],
    ['matchAll keeps its regex lastIndex and starts from it', `(() => { const r = /\\d/g; r.lastIndex = 3; return [...'1234'.matchAll(r)].length + r.lastIndex * 10; })()`],
    ['a subclass with RegExp as species', `(() => { class R extends RegExp { static get [Symbol.species]() { return RegExp; } } return 'a1b'.split(new R('\\\\d')).length; })()`],
    ['a subclass whose exec counts calls', `(() => { let calls = 0; class R extends RegExp { exec(s) { calls++; return super.exec(s); } } const parts = 'a1b2'.split(new R('\\\\d')).length; return calls * 10 + parts; })()`],
    ['a species that builds its own matcher', `(() => { let made = 0; class S extends RegExp { constructor(p, f) { made++; super(p, f); } } class R extends RegExp { static get [Symbol.species]() { return S; } } return 'a1b2'.split(new R('\\\\d')).length * 10 + made; })()`],
    ['split reads constructor, flags, then the pattern', `(() => { const order = []; const rx = { get constructor() { order.push('c'); return undefined; }, get flags() { order.push('f'); return ''; }, toString() { order.push('s'); return ','; } }; const parts = RegExp.prototype[Symbol.split].call(rx, 'a,b', { valueOf() { order.push('l'); return 5; } }).length; return parts * 1000 + (order.join('') === 'cfsl' ? 1 : 0); })()`],
    ['matchAll reads constructor, flags, pattern, then lastIndex', `(() => { const order = []; const rx = { get constructor() { order.push('c'); return undefined; }, get flags() { order.push('f'); return 'g'; }, get lastIndex() { order.push('l'); return 1; }, toString() { order.push('s'); return 'a'; } }; const found = [...RegExp.prototype[Symbol.matchAll].call(rx, 'aba')].length; return found * 1000 + (order.join('') === 'cfsl' ? 1 : 0); })()`],
    ['a non-object receiver throws a TypeError', `(() => { try { RegExp.prototype[Symbol.split].call(1, 'a'); return 0; } catch (e) { return e instanceof TypeError ? 1 : 2; } })()`],
    ['a species that is not a constructor throws a TypeError', `(() => { try { RegExp.prototype[Symbol.matchAll].call({ constructor: { [Symbol.species]: () => 1 }, flags: 'g' }, 'a'); return 0; } catch (e) { return e instanceof TypeError ? 1 : 2; } })()`],
    ['a constructor that is a primitive throws a TypeError', `(() => { try { RegExp.prototype[Symbol.split].call({ constructor: 1, flags: '' }, 'a'); return 0; } catch (e) { return e instanceof TypeError ? 1 : 2; } })()`],
    ['16 property escapes work', `new RegExp('\\\\p{L}'.repeat(16), 'u').test('abcdefghijklmnop') ? 1 : 0`],
  ])('%s: the same as the engine', async (_, expression) => {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const expected = new Function(`return ${expression};`)() as number;
    expect(await run(`({ n }) => ${expression}`)).toEqual({ cpu: expected });
  });
});

describe('regex literals are bounded before this process parses them', () => {
  it.each([
    ['1,000 properties of strings under v (10 s and 940 MB in defineTask before)', `({ n }) => /${'\\p{RGI_Emoji}'.repeat(1000)}/v.test('x') ? 1 : 2`, /Regular expression flag `v` is not allowed/],
    ['12,000 property escapes under u (10 s and 200 MB before)', `({ n }) => /${'\\p{L}'.repeat(12_000)}/u.test('x') ? 1 : 2`, /more than 16 Unicode property escapes/],
    ['17 property escapes over two literals', `({ n }) => /${'\\p{L}'.repeat(9)}/u.test('a') + /${'\\P{L}'.repeat(8)}/u.test('1')`, /more than 16 Unicode property escapes/],
    ['a set operation under v', `({ n }) => /[\\p{L}--a]/v.test('b') ? 1 : 0`, /flag `v` is not allowed/],
    ['modifiers (ES2025; accepted on Node 24 before)', `({ n }) => /(?i:a)b/.test('Ab') ? 1 : 0`, /newer than ES2023|does not support/],
    ['duplicate named groups (ES2025; accepted on Node 24 before)', `({ n }) => /(?<x>a)|(?<x>b)/.test('b') ? 1 : 0`, /newer than ES2023|does not support/],
  ])('%s: refused', (_, cpu, message) => {
    expect(definitionError(cpu)).toEqual({ code: 'TASKRES_UNSERIALIZABLE', message: expect.stringMatching(message) });
  });

  it('16 property escapes in literals are accepted and run', async () => {
    const cpu = `({ n }) => /${'\\p{L}'.repeat(8)}/u.test('abcdefgh') + /${'\\P{L}'.repeat(8)}/u.test('12345678')`;
    expect(definitionError(cpu)).toBeUndefined();
    expect(await run(cpu)).toEqual({ cpu: 2 });
  });

  const cwlTool = (coresMin: string, expressionLib: string[] = []) => ({
    cwlVersion: 'v1.2',
    class: 'CommandLineTool',
    baseCommand: 'true',
    inputs: [],
    outputs: [],
    requirements: [{ class: 'InlineJavascriptRequirement', expressionLib }, { class: 'ResourceRequirement', coresMin }],
  });
  it.each([
    ['a field of 300 properties of strings under v (10 s and 340 MB of the caller before)', cwlTool(`$(/${'\\p{RGI_Emoji}'.repeat(300)}/v.test('x') ? 1 : 2)`), /flag `v` is not allowed|more than 16 Unicode property escapes/],
    ['1,000 distinct expressions of 16 escapes each (2.6 s against 0.32 s for plain ones before)', cwlTool(Array.from({ length: 1000 }, (_, i) => `$(/${'\\p{L}'.repeat(16)}${i}/u.test('x') ? 1 : 1)`).join('')), /more than 16 Unicode property escapes/],
    ['escapes split between the expressionLib and a field', cwlTool(`$(/${'\\p{L}'.repeat(9)}/u.test('x') ? 1 : 1)`, [`var r = /${'\\p{L}'.repeat(8)}/u;`]), /more than 16 Unicode property escapes/],
  ])('a CWL tool with %s: refused', async (_, tool, message) => {
    await expect(resolveCwl(resolver, tool, {})).rejects.toMatchObject({ code: 'TASKRES_CWL_INVALID', message: expect.stringMatching(message) });
  });
});

describe('over HTTP, a tiny inline spec cannot hold the spec checker', () => {
  // Before: two 2.2 KB requests (150 properties of strings) each held a spec-check worker past
  // its 5 s deadline (answered 400 after 5.3 s, the worker burning on natively) and took the
  // server to 343 MiB; a request of any size sent meanwhile waited for a worker.
  it('a regex literal under v is refused by the check, as a definition error', async () => {
    const server = await serve();
    try {
      const spec = (k: number) => ({ name: `emoji${k}`, params: ['n'], resources: { cpu: `({ n }) => /${'\\p{RGI_Emoji}'.repeat(150)}${k}/v.test('x') ? 1 : 2`, memory: 1 } });
      const answers = await Promise.all([0, 1].map((k) => post(`${server.url}/v1/resolve`, { task: spec(k), args: { n: 1 } })));
      for (const answer of answers) expect(answer).toMatchObject({ status: 400, body: { code: 'TASKRES_UNSERIALIZABLE', detail: expect.stringMatching(/flag `v` is not allowed/) } });
      const plain = { name: 'plain', params: ['n'], resources: { cpu: '({ n }) => n + 1', memory: 1 } };
      expect((await post(`${server.url}/v1/resolve`, { task: plain, args: { n: 2 } })).body.resources.cpu).toBe(3);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('attempts that did not get through', () => {
  it('reserving the address space with resizable buffers (128 TiB on Node 24) does not fail a neighbour on the other thread', async () => {
    const two = createResolver({ threads: 2, timeoutMs: 10_000, memoryLimitMiB: 64, limits: LIMITS, overLimit: 'error' });
    try {
      const hog = task('reserver', '({ n }) => { const keep = []; try { for (let i = 0; i < 5000; i++) keep.push(new ArrayBuffer(0, { maxByteLength: 2 ** 35 })); } catch {} const t0 = Date.now(); while (Date.now() - t0 < 1500) {} return keep.length > 0 ? 1 : 0; }');
      const neighbour = task('neighbour', '({ n }) => { const t0 = Date.now(); while (Date.now() - t0 < 200) {} const a = new Float64Array(1000000); const b = new ArrayBuffer(8, { maxByteLength: 1024 }); return a.length / 1000 + b.byteLength; }');
      const outcomes = (await two.resolveMany([{ task: hog, args: { n: 1 } }, ...Array.from({ length: 4 }, (_, n) => ({ task: neighbour, args: { n } }))])).map(outcomeOf);
      expect(outcomes.slice(1)).toEqual(Array(4).fill({ cpu: 1008 }));
    } finally {
      await two.close();
    }
  }, 60_000);

  it.each([
    ['a private field', '({ n }) => { class A { #x = 1; } return 1; }'],
    ['a private method', '({ n }) => { class A { #m() {} } return 1; }'],
    ['a static private field', '({ n }) => { class A { static #s = 1; } return 1; }'],
    ['a private getter', '({ n }) => { class A { get #g() { return 1; } } return 1; }'],
    ['`#x in o`', '({ n }) => { class A { #x; static has(o) { return #x in o; } } return 1; }'],
    ['a private field in a default parameter', '({ n }, { attempt } = (class { #x }, {})) => 1'],
    ['a private field in a computed key', '({ n }) => ({ [class { #x = 1 }.name]: 1 }).x ?? 1'],
    ['a private field in a static block', '({ n }) => { class A { static { class B { #y; } } } return 1; }'],
    ['a private field in a template', '({ n }) => `${class { #z }}`.length'],
    ['a private field in an object method', '({ n }) => ({ m() { return class { #q }; } }).m() ? 1 : 0'],
    ['a private field in a class field value', '({ n }) => { class A { f = class { #w }; } return 1; }'],
    ['a private field in an extends clause', '({ n }) => { class A extends (class { #e }) {} return 1; }'],
    ['an async arrow as a default parameter', '({ n }, c = async () => 1) => 1'],
    ['an async method of an object', '({ n }) => ({ async m() {} }) ? 1 : 0'],
    ['an async static method', '({ n }) => { class A { static async m() {} } return 1; }'],
    ['an async generator method', '({ n }) => ({ async *m() {} }) ? 1 : 0'],
    ['an async arrow in a class field', '({ n }) => { class A { f = async () => 1; } return 1; }'],
    ['an async arrow in a computed key', '({ n }) => ({ [(async () => 1, "k")]: 1 }).k'],
    ['an async function in a static block', '({ n }) => { class A { static { (async function () {})(); } } return 1; }'],
    ['`for await`', '({ n }) => { async function f() { for await (const x of []) {} } return 1; }'],
    ['`using`', '({ n }) => { using x = null; return 1; }'],
  ])('%s is refused at definition', (_, cpu) => {
    expect(definitionError(cpu)).toMatchObject({ code: 'TASKRES_UNSERIALIZABLE' });
  });

  it('a string admitted over the isolate limit that takes the process over processMemoryLimitMiB charges its makers, never a slow neighbour running beside them', async () => {
    // V8 admits one large young object whatever its size: the sandbox process's RSS, not the
    // isolate's limit, stops it, and the crash names no evaluation. Neighbours running at both
    // losses could be struck out with the makers; they must get their own results.
    const two = createResolver({ threads: 2, timeoutMs: 6000, memoryLimitMiB: 32, processMemoryLimitMiB: 256, limits: LIMITS, overLimit: 'error' });
    try {
      const maker = task('maker', '({ n }) => { const t0 = Date.now(); while (Date.now() - t0 < 300) {} const s = "x".repeat(3e8); const k = s.indexOf("y"); const t1 = Date.now(); while (Date.now() - t1 < 2000) {} return s.length + k; }');
      const slow = task('slow', '({ n }) => { const t0 = Date.now(); while (Date.now() - t0 < 2000) {} return n + 1; }');
      const outcomes = await Promise.allSettled([two.resolve(maker, { n: 1 }), two.resolve(maker, { n: 2 }), two.resolve(slow, { n: 5 }), two.resolve(slow, { n: 6 })]);
      expect(outcomes.map(outcomeOf)).toEqual([
        { code: 'TASKRES_MEMORY_LIMIT', message: expect.stringMatching(/processMemoryLimitMiB/) },
        { code: 'TASKRES_MEMORY_LIMIT', message: expect.stringMatching(/processMemoryLimitMiB/) },
        { cpu: 6 },
        { cpu: 7 },
      ]);
    } finally {
      await two.close();
    }
  }, 120_000);

  it('no newer built-in exists, on any Node line (each probe is a bit)', async () => {
    const probes = [
      'Array.fromAsync', 'globalThis.Iterator', '[].values().map', '[].values().toArray', 'new Set().union', 'new Set().isSubsetOf',
      'RegExp.escape', 'globalThis.Float16Array', 'Error.captureStackTrace', 'Math.sumPrecise', 'globalThis.Promise', 'Math.f16round',
      'Object.groupBy', 'Map.groupBy', 'JSON.rawJSON', 'JSON.isRawJSON', 'Error.isError', 'Uint8Array.fromBase64',
      'new Uint8Array(1).toHex', 'new Map().getOrInsert', 'new ArrayBuffer(1).transferToFixedLength', 'new ArrayBuffer(1).transfer',
      'new ArrayBuffer(1).resize', 'new DataView(new ArrayBuffer(8)).getFloat16', 'globalThis.SuppressedError', 'globalThis.DisposableStack',
      'globalThis.AsyncDisposableStack', 'Symbol.for', 'globalThis.Atomics', 'globalThis.SharedArrayBuffer', 'globalThis.WeakRef',
      'globalThis.FinalizationRegistry', 'globalThis.Intl', 'globalThis.eval', 'globalThis.WebAssembly', 'Error.prepareStackTrace',
      'globalThis.console', 'Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "detached")', 'Array.prototype.group',
      'RegExp.prototype.compile', 'RegExp.input', 'RegExp.lastMatch', "RegExp['$1']",
    ];
    const cpu = `({ n }) => { const probes = [${probes.map((probe) => `() => ${probe}`).join(', ')}]; let present = 0; for (let i = 0; i < probes.length; i++) { let v; try { v = probes[i](); } catch { v = undefined; } if (v !== undefined) present += 2 ** i; } return present; }`;
    expect(await run(cpu)).toEqual({ cpu: 0 });
  });

  it('a later evaluation finds no trace of an earlier one\'s match (the last match is forgotten, the statics are gone)', async () => {
    const victim = task('secret', '({ n }) => /(SECRET-\\w+)/.exec("/data/SECRET-abc.fq") ? 1 : 0');
    // The replace patterns $& and $` read the current match only; an empty exec reads nothing.
    const spy = task('spy', '({ n }) => { const r = /(?:)/; const m = r.exec(""); return (m.input.length) + ("x".replace(/x/, "$`$\'").length) + (typeof RegExp.$1 === "string" ? 100 : 0); }');
    const outcomes = (await resolver.resolveMany([{ task: victim, args: { n: 1 } }, { task: spy, args: { n: 1 } }])).map(outcomeOf);
    expect(outcomes).toEqual([{ cpu: 1 }, { cpu: 0 }]);
  });
});
