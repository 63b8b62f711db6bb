/**
 * Source text run inside a hardened isolate by the realm-closure test: every syntax form the
 * definition allowlist keeps, and the survey that exercises every reachable built-in and
 * reports the shared objects that are not frozen.
 */
/**
 * Every syntax form the definition allowlist keeps, each yielding the objects it makes. Sloppy
 * on purpose (a sloppy `arguments`, `with`); `this`, `super`, `import()` and `new.target`
 * appear where they are legal. Checked below to cover every allowed node type and operator.
 */
export const SYNTAX_FORMS = String.raw`function syntaxForms(sample) {
  var out = [];
  var sloppyArguments = (function (a, b) { return arguments; })(1, 2);
  var strictArguments = (function (a) { 'use strict'; return arguments; })(1);
  out.push(sloppyArguments, strictArguments);
  let counter = 0;
  const object = { a: 1, 'b': 2, [counter + 1]: 3, method() { return super.toString; }, get g() { return 1; }, set s(v) {}, ...sample };
  out.push(object, [1, , ...[2, 3]], 'x' + 1n, /re(g)ex/giu, 10n ** 2n, ` + "`t${counter}`" + String.raw`);
  const tag = (strings, ...values) => strings;
  out.push(tag` + "`a${1}b`" + String.raw`);
  const arrow = (x = 1, ...rest) => x + rest.length;
  function declared(a, { b, c: [d] = [1] } = {}) { return a; }
  out.push(arrow, declared, function named() { return named; });
  class Base { secret = 1; static count = 0; field = this; static { Base.count++; } get value() { return this.secret; } has(o) { return "secret" in o; } static make() { return new this(); } }
  class Derived extends Base { constructor() { super(); out.push(new.target); } method() { return super.value; } }
  const expressionClass = class {};
  out.push(new Derived(), Base.make(), expressionClass, new Derived().method());
  function* generator() { const got = yield 1; yield* [got]; return 2; }
  const iterator = generator(); out.push(iterator, iterator.next(), iterator.next(5), iterator.return(3));
  async function asynchronous() { await null; for await (const x of [1]) out.push(x); return 1; }
  async function* asyncGenerator() { yield await 1; }
  out.push(asynchronous(), asyncGenerator(), asyncGenerator().next());
  let a = 1, b;
  a += 1; a -= 1; a *= 2; a /= 2; a %= 5; a **= 2; a <<= 1; a >>= 1; a >>>= 1; a |= 1; a ^= 1; a &= 1; b ||= 1; b &&= 2; b ??= 3;
  const values = [-a, +a, !a, ~a, typeof a, void a, a++, a--, ++a, --a, a == b, a != b, a === b, a !== b, a < b, a <= b, a > b, a >= b,
    a << 1, a >> 1, a >>> 1, a + b, a - b, a * b, a / b, a % b, a ** b, a | b, a ^ b, a & b, 'a' in object, object instanceof Object,
    a || b, a && b, a ?? b, a ? b : a, (a, b), object?.a, object?.['b'], arrow?.(), delete object.a];
  out.push(values);
  const [x, , ...others] = [1, 2, 3, 4]; const { a: renamed, ...restObject } = { a: 1, z: 2 }; var hoisted; let { q = 1 } = {};
  out.push(others, restObject);
  ({ q } = { q: 2 }); [b] = [3];
  label: for (let i = 0; i < 3; i++) { if (i === 1) continue label; if (i === 2) break label; }
  for (const key in object) out.push(key);
  for (const value of [1, 2]) out.push(value);
  for (var k = 0; k < 1; k++);
  while (counter < 2) counter++;
  do { counter--; } while (counter > 0);
  switch (counter) { case 0: out.push('zero'); break; default: out.push('other'); }
  try { null.property; } catch (error) { out.push(error); } finally { out.push('finally'); }
  try { throw new RangeError('r'); } catch { out.push('no binding'); }
  try { undefinedVariable; } catch (error) { out.push(error); }
  try { JSON.parse('{'); } catch (error) { out.push(error); }
  try { (function recurse() { recurse(); })(); } catch (error) { out.push(error); }
  with ({ withValue: 1 }) { out.push(withValue); }
  if (a) { ; } else { }
  const PromiseOfRealm = Object.getPrototypeOf(asynchronous()).constructor;
  out.push(new PromiseOfRealm((resolve) => resolve(1)), PromiseOfRealm.reject(new Error('rejected')).catch((e) => e));
  out.push(function () { return this; }.call(object));
  try { import('x').catch(() => 0); } catch (error) { out.push(error); }
  return out;
}`;

/**
 * Calls every function reachable in the realm (from the global object, the objects the
 * syntax forms make and the samples; deliberately not from the prelude's list of anonymous
 * intrinsics, which it checks) on receivers and arguments of every kind, then the functions
 * those calls yield; twice. Returns the path of every object met in both rounds that is not
 * frozen.
 */
export const SURVEY = String.raw`(() => {
  const { getPrototypeOf, getOwnPropertyDescriptor, isFrozen } = Object;
  const { ownKeys, apply, construct } = Reflect;
  // No global Promise in the realm: the one async functions make.
  const Promise = getPrototypeOf((async () => {})()).constructor;
  const promiseThen = Promise.prototype.then;
  const syntaxForms = ${SYNTAX_FORMS};
  // Receivers and arguments of every kind. No async generator: an iterator method on one
  // (Node 22's Iterator.prototype.reduce) reads promises that are never done, forever.
  const samples = () => {
    function* generator() { yield 1; yield 2; }
    const error = new TypeError('sample');
    return [undefined, null, 0, 2, -1.5, 'abc', 'a-b,c', true, 10n, Symbol.iterator, [3, 1, 2], [[1, 2], [3, 4]], { a: 1, length: 2, 0: 'x' },
      (x) => x, (x, y) => (x > y ? 1 : -1), function sloppy() { return arguments; }, /a(b)?/g, /(?<n>a)/dy, new Map([[1, 2]]), new Set([1, 2]),
      new Date(0), new Int8Array(4), new Float64Array(2), new ArrayBuffer(8, { maxByteLength: 16 }), new DataView(new ArrayBuffer(8)),
      Promise.resolve(1), error, new AggregateError([error]), new WeakMap(), new WeakSet(), Object.create(null), new Proxy({}, {}),
      generator(), [1, 2][Symbol.iterator](), new Map([[1, 2]]).entries(), new Set([1]).values(), 'ab'[Symbol.iterator](),
      'aa'.matchAll(/a/g), Object(1), Object('s'), Object(true), Object(1n), Object(Symbol.iterator), (function () { return arguments; })(1)];
  };
  // undefined, a number, a string, an array, an object, a regex, a map, an iterator.
  const COMMON_RECEIVERS = [0, 3, 5, 10, 12, 16, 18, 32];
  const argumentLists = () => {
    const s = samples();
    return [[], [s[13]], [s[14]], ['a', 1], [0, 2], [s[10]], [s[12]], [s[17]], [s[1]], [1, s[13]]];
  };
  const isObject = (v) => (typeof v === 'object' && v !== null) || typeof v === 'function';
  const survey = () => {
    const seen = new Map();
    const functions = [];
    const queue = [];
    // A rejected promise nobody handles would surface from the isolate call: handle each.
    const take = (path, value) => {
      if (!isObject(value) || seen.has(value)) return;
      seen.set(value, path);
      queue.push([path, value]);
      if (value instanceof Promise) try { promiseThen.call(value, undefined, () => {}); } catch {}
    };
    const drain = () => {
      while (queue.length > 0) {
        const [path, value] = queue.shift();
        if (typeof value === 'function') functions.push([path, value]);
        let keys = [];
        try { take(path + '.[[Prototype]]', getPrototypeOf(value)); keys = ownKeys(value); } catch {}
        for (const key of keys) {
          let d;
          try { d = getOwnPropertyDescriptor(value, key); } catch {}
          if (!d) continue;
          const where = path + (typeof key === 'symbol' ? '[' + String(key.description) + ']' : '.' + key);
          if ('value' in d) take(where, d.value);
          else { take(where + '.get', d.get); take(where + '.set', d.set); }
        }
      }
    };
    take('globalThis', globalThis);
    for (const [i, value] of syntaxForms(samples()[12]).entries()) take('syntax[' + i + ']', value);
    samples().forEach((value, i) => take('sample[' + i + ']', value));
    drain();
    // Exercise every function found, then every function those calls yielded.
    let exercised = 0;
    for (let round = 0; round < 3; round++) {
      const batch = functions.splice(0);
      for (const [path, fn] of batch) {
        exercised++;
        const receivers = samples();
        // Every receiver with the first two argument lists; the rest with a receiver of each
        // common kind (the cost stays a few seconds on a busy 2-core machine).
        for (const [a, args] of argumentLists().entries()) {
          for (let r = 0; r < receivers.length; r++) {
            if (a >= 2 && !COMMON_RECEIVERS.includes(r)) continue;
            let result;
            try { result = apply(fn, receivers[r], args); } catch (error) { result = error; }
            take(path + '(' + r + ')', result);
            if (isObject(result) && typeof result.next === 'function') {
              try { take(path + '(' + r + ').next()', result.next()); } catch (error) { take(path + '.next!', error); }
            }
          }
          try { take('new ' + path, construct(fn, args)); } catch (error) { take('new ' + path + '!', error); }
        }
        drain();
      }
    }
    return { seen, exercised };
  };
  const first = survey();
  const second = survey();
  const unfrozen = [];
  for (const [value, path] of second.seen) if (first.seen.has(value) && !isFrozen(value)) unfrozen.push(first.seen.get(value));
  return { unfrozen: unfrozen.slice(0, 50), shared: [...second.seen.keys()].filter((v) => first.seen.has(v)).length, exercised: first.exercised };
})()`;

