/**
 * Two tenants on one resolver, through the public API: an attacker tampers with a shared
 * object that only an operation reaches (iterator helpers' prototype, the errors' `stack`
 * accessor functions, `Iterator.from`'s wrapper, `%ThrowTypeError%`...) or stashes a value on
 * it, and a victim that runs after it, in the same isolate (one thread), must get exactly the
 * outcome it gets alone. Without the permits table these fail on Node 22 and 24; the `using`
 * case is refused at definition on every line.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TaskFile, createResolver, defineTask, isTaskresError, type Resources } from '../dist/index.js';
import { makeFiles } from './helpers/files.js';

const fixtures = makeFiles({ 'a.fq': 1000, 'b.fq': 2000 });
const files = (): TaskFile[] => ['a.fq', 'b.fq'].map((name) => new TaskFile(fixtures.path(name)));
const LIMITS = { cpu: { min: 0, max: 1_000_000 } };
// One thread: every evaluation shares the attacker's isolate.
const resolver = createResolver({ threads: 1, timeoutMs: 2000, limits: LIMITS, overLimit: 'error' });
afterAll(async () => {
  await resolver.close();
  fixtures.cleanup();
});

const task = (name: string, cpu: string) => defineTask({ name, params: ['files'], resources: { cpu, memory: 1 } });
type Outcome = { cpu: number } | { code: string };
const outcomeOf = (settled: PromiseSettledResult<Resources>): Outcome =>
  settled.status === 'fulfilled' ? { cpu: settled.value.cpu } : { code: isTaskresError(settled.reason) ? settled.reason.code : `raw ${String(settled.reason)}` };

/** The victim alone; then attacker and victim in one resolveMany; then the victim again. */
async function victimOutcomes(attacker: string, victim: string): Promise<{ alone: Outcome; beside: Outcome; after: Outcome; attacker: Outcome }> {
  const attack = task('attacker', attacker);
  const target = task('victim', victim);
  const alone = outcomeOf((await resolver.resolveMany([{ task: target, args: { files: files() } }]))[0]!);
  const together = await resolver.resolveMany([
    { task: attack, args: { files: files() } },
    { task: target, args: { files: files() } },
  ]);
  const after = outcomeOf((await resolver.resolveMany([{ task: target, args: { files: files() } }]))[0]!);
  return { alone, beside: outcomeOf(together[1]!), after, attacker: outcomeOf(together[0]!) };
}

// Each attack: what the attacker does, and a victim that uses the object it touched. A
// channel reader returns what it finds stashed (0 when nothing is).
const ATTACKS: [name: string, attacker: string, victim: string][] = [
  [
    "iterator helpers: replace next() of [].values().map(f)'s prototype",
    `({ files }) => {
      try {
        const proto = Object.getPrototypeOf([].values().map((x) => x));
        proto.next = function () { return { done: false, value: 31337 }; };
        Object.defineProperty(proto, 'next', { value: function () { return { done: true }; } });
      } catch {}
      return 1;
    }`,
    `({ files }) => { let total = 0; let n = 0; for (const size of files.values().map((file) => file.size())) { total += size; if (++n > 10) break; } return total; }`,
  ],
  [
    'iterator helpers: stash a value on their prototype',
    `({ files }) => { try { Object.getPrototypeOf([].values().filter(Boolean)).stash = files.length * 1000 + 7; } catch {} return 1; }`,
    `({ files }) => { try { const v = Object.getPrototypeOf([].values().filter(Boolean)).stash; return typeof v === 'number' ? v : 0; } catch { return 0; } }`,
  ],
  [
    "iterator helpers: poison the helper's return() that a broken loop calls",
    `({ files }) => { try { Object.getPrototypeOf([].values().take(1)).return = function () { return { done: true, value: 31337 }; }; } catch {} return 1; }`,
    `({ files }) => { try { const it = files.values().take(5); it.next(); const r = it.return(); return r.value === undefined ? 5 : r.value; } catch { return 0; } }`,
  ],
  [
    "errors' stack accessor: stash a value on the shared getter and setter",
    `({ files }) => {
      const d = Object.getOwnPropertyDescriptor(new Error('x'), 'stack');
      try { d.get.stash = files.length * 1000 + 7; } catch {}
      try { Object.defineProperty(d.set, 'stash', { value: 8 }); } catch {}
      return 1;
    }`,
    `({ files }) => {
      const d = Object.getOwnPropertyDescriptor(new TypeError('y'), 'stack');
      if (!d || !d.get) return 0;
      return (typeof d.get.stash === 'number' ? d.get.stash : 0) + (typeof d.set.stash === 'number' ? d.set.stash : 0);
    }`,
  ],
  [
    "errors' stack accessor: give the shared getter a prototype of the attacker's",
    `({ files }) => { try { Object.setPrototypeOf(Object.getOwnPropertyDescriptor(new Error('x'), 'stack').get, { call() { return 31337; }, planted: 9 }); } catch {} return 1; }`,
    `({ files }) => { const d = Object.getOwnPropertyDescriptor(new RangeError('z'), 'stack'); return d && d.get && d.get.planted === 9 ? 9 : 3; }`,
  ],
  [
    "Iterator.from's wrapper prototype, reached through %IteratorPrototype%.constructor",
    `({ files }) => {
      try {
        const I = Object.getPrototypeOf(Object.getPrototypeOf([].values())).constructor;
        const wrapper = Object.getPrototypeOf(I.from({ next() { return { done: true }; } }));
        wrapper.next = function () { return { done: false, value: 31337 }; };
        wrapper.stash = 7;
      } catch {}
      return 1;
    }`,
    `({ files }) => {
      try {
        const I = Object.getPrototypeOf(Object.getPrototypeOf([].values())).constructor;
        const it = I.from({ next() { return { done: true }; } });
        return typeof it.stash === 'number' ? it.stash : it.next().done ? 2 : 31337;
      } catch { return 0; }
    }`,
  ],
  [
    '%ThrowTypeError% (strict arguments.callee, Function.prototype.caller): stash a value',
    `({ files }) => { try { (function () { 'use strict'; return Object.getOwnPropertyDescriptor(arguments, 'callee').get; })().stash = 7; } catch {} return 1; }`,
    `({ files }) => { const f = Object.getOwnPropertyDescriptor(Function.prototype, 'caller'); return f && f.get && typeof f.get.stash === 'number' ? f.get.stash : 0; }`,
  ],
  [
    'generator prototypes reached through nested functions and method syntax: stash a value',
    `({ files }) => {
      for (const o of [Object.getPrototypeOf(function* () {}), Object.getPrototypeOf((function* () {})()), Object.getPrototypeOf(class { static *s() {} }.s)]) {
        try { o.stash = 7; } catch {}
      }
      return 1;
    }`,
    `({ files }) => { const g = (function* () {})(); return (g.stash || 0) + (Object.getPrototypeOf(class { static *s() {} }.s).stash || 0) + 1; }`,
  ],
  [
    "class static blocks and object methods' super: stash through the home object's prototype",
    `({ files }) => { try { ({ m() { super.stash = 7; return 0; } }).m(); } catch {} try { class A extends Array { static { Object.getPrototypeOf(this).stash = 7; } } } catch {} return 1; }`,
    `({ files }) => ({ m() { return (super.stash || 0) + (Array.stash || 0) + 3; } }).m()`,
  ],
];

describe('one tenant cannot reach another through a shared engine object', () => {
  it.each(ATTACKS)('%s: the victim gets what it gets alone', async (_, attacker, victim) => {
    const outcomes = await victimOutcomes(attacker, victim);
    expect({ beside: outcomes.beside, after: outcomes.after }).toEqual({ beside: outcomes.alone, after: outcomes.alone });
    // The attacker itself runs normally (its tampering fails silently or throws inside a try).
    expect(outcomes.attacker).toEqual({ cpu: 1 });
  }, 60_000);

  it.each([
    ['a `using` declaration (Node 24 builds a SuppressedError for it)', '({ files }) => { using handle = { [Symbol.dispose]() {} }; return 1; }', /uses `using` declarations/],
    ['an `await using` declaration in a nested async function', '({ files }) => { const f = async () => { await using handle = null; }; return 1; }', /`await using` declarations/],
    // Attack round 4: promise jobs run after the evaluation that queued them, where a wedge is
    // charged to no one (a function that wedged only in a microtask, only with company, was
    // never charged). No syntax makes a promise, and the Promise global is gone.
    // Found in round 4: the syntax walk skipped every node under a `value` key, which is where a
    // method's, a property's and a class field's function is: syntax there went unchecked.
    ['`using` inside an object method', '({ files }) => ({ m() { using h = null; return 1; } }).m()', /`using` declarations|does not support/],
    ['`using` inside a class field initializer', '({ files }) => { class A { x = (() => { using h = null; return 1; })(); } return new A().x; }', /`using` declarations|does not support/],
    ['an async arrow as a property value', '({ files }) => ({ a: async () => 1 }) && 1', /uses async functions/],
    ['a private field in a class field initializer', '({ files }) => { class A { x = class { #y = 1; }; } return 1; }', /uses private class members/],
    ['a nested async arrow', '({ files }) => { const f = async () => 1; f(); return 1; }', /uses async functions, `await` and `for await`/],
    ['an async generator method (object and class)', '({ files }) => { const g = { async *m() {} }.m(); class A { async n() {} } return 1; }', /uses async functions/],
    ['`for await` in a nested async function', '({ files }) => { async function f() { for await (const x of [1]) {} } return 1; }', /uses async functions/],
    ['a promise job that wedges only with company', "({ files }) => { Promise.resolve().then(() => Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 'never')); return 1; }", /uses `Promise`, which the taskres sandbox removes for safety \(resource functions are synchronous/],
    // Attack round 4: a base class returning its argument lets a subclass stamp a private field
    // onto a frozen intrinsic, where it outlives the evaluation and holds memory against later ones.
    [
      'a private field stamped on Object.prototype (return override)',
      '({ files }) => { class Base { constructor(o) { return o; } } class Stamp extends Base { #kept = new Float64Array(3000000); } new Stamp(Object.prototype); return 1; }',
      /uses private class members/,
    ],
    ['a private method (its brand is stamped the same way)', '({ files }) => { class A { #m() { return 1; } run() { return this.#m(); } } return new A().run(); }', /uses private class members/],
    ['a static private field', '({ files }) => { class A { static #n = 1; static get() { return A.#n; } } return A.get(); }', /uses private class members/],
    ['an ergonomic brand check', '({ files }) => { class A { #x; static is(o) { return #x in o; } } return A.is({}) ? 2 : 1; }', /uses private class members/],
  ])('%s is refused at definition, on every Node line', (_, cpu, message) => {
    let thrown: unknown;
    try {
      task('disposer', cpu);
    } catch (error) {
      thrown = error;
    }
    expect(isTaskresError(thrown) && thrown.code).toBe('TASKRES_UNSERIALIZABLE');
    expect((thrown as Error).message).toMatch(message);
  });
});
