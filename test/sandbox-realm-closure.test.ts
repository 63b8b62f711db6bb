/**
 * Nothing shared in the hardened realm can carry anything from one evaluation to the next,
 * whatever this Node's V8 adds: in a real isolate set up by the real prelude, every syntax form
 * the definition allowlist keeps and every built-in function the permits keep (called on
 * receivers and arguments of every kind, then whatever functions those calls yield, again) is
 * exercised twice; every object either round yields is collected through prototypes and
 * property descriptors, accessor functions included. An object met in both rounds is shared
 * (fresh objects differ between rounds), and a shared object must be frozen. On Node 22 and 24
 * this fails without the permits table: iterator helpers' prototype and the errors' `stack`
 * accessor functions are shared and writable.
 */
import * as acorn from 'acorn';
import ivm from '../src/sandbox-worker/ivm.js';
import { afterAll, describe, expect, it } from 'vitest';
import { PRELUDE_SOURCE } from '../src/isolate/prelude.js';
import { ANONYMOUS_INTRINSICS, PERMITS } from '../src/isolate/intrinsics.js';
import { ALLOWED_DECLARATION_KINDS, ALLOWED_NODE_TYPES, ALLOWED_OPERATORS } from '../src/definition/syntax.js';
import { RESULT_BUFFER } from '../src/protocol/messages.js';
import { SURVEY, SYNTAX_FORMS } from './helpers/realm-survey.js';

const isolate = new ivm.Isolate({ memoryLimit: 256 });
const context = isolate.createContextSync();
const shared = new SharedArrayBuffer(RESULT_BUFFER.bytes(8));
const setup = context.evalSync(PRELUDE_SOURCE, { reference: true }) as ivm.Reference<(...args: unknown[]) => unknown>;
setup.applySync(undefined, [new ivm.Callback(() => -1), new ivm.ExternalCopy(shared).copyInto({ release: true }), 8], { timeout: 10_000 });
afterAll(() => isolate.dispose());

/** Runs `source` (an expression) in the hardened context and returns its JSON result. */
const inRealm = (source: string, timeoutMs = 60_000): unknown =>
  JSON.parse(context.evalSync(`JSON.stringify(${source})`, { timeout: timeoutMs }) as string);

describe('the hardened realm has nothing shared that can change', () => {
  it('every shared object that the kept syntax and built-ins yield is frozen', () => {
    const result = inRealm(SURVEY, 120_000) as { unfrozen: string[]; shared: number; exercised: number };
    expect(result.unfrozen).toEqual([]);
    // The walk reached the realm: hundreds of shared intrinsics, every permitted method called.
    expect(result.shared).toBeGreaterThan(500);
    expect(result.exercised).toBeGreaterThan(400);
  }, 180_000);

  it('the syntax forms exercised cover every node type, operator and declaration kind the definition allowlist keeps', () => {
    const tree = acorn.parse(`(${SYNTAX_FORMS})`, { ecmaVersion: 'latest', sourceType: 'script' });
    const types = new Set<string>();
    const operators = new Set<string>();
    const kinds = new Set<string>();
    const pending: unknown[] = [tree];
    while (pending.length > 0) {
      const node = pending.pop();
      if (Array.isArray(node)) pending.push(...node);
      else if (node && typeof node === 'object') {
        const record = node as Record<string, unknown>;
        if (typeof record.type === 'string') types.add(record.type);
        if (typeof record.operator === 'string') operators.add(`${String(record.type)} ${record.operator}`);
        if (record.type === 'VariableDeclaration') kinds.add(String(record.kind));
        for (const value of Object.values(record)) if (value && typeof value === 'object') pending.push(value);
      }
    }
    expect([...ALLOWED_NODE_TYPES].filter((type) => !types.has(type))).toEqual([]);
    const allowedOperators = Object.entries(ALLOWED_OPERATORS).flatMap(([type, set]) => [...set].map((operator) => `${type} ${operator}`));
    expect(allowedOperators.filter((operator) => !operators.has(operator))).toEqual([]);
    expect([...ALLOWED_DECLARATION_KINDS].filter((kind) => !kinds.has(kind))).toEqual([]);
  });

  it('every permitted intrinsic exists on this engine, and nothing outside the permits survives on it', () => {
    const names = Object.keys(PERMITS);
    const found = inRealm(`(() => {
      const { getPrototypeOf, getOwnPropertyDescriptor } = Object;
      const anonymous = new Map([${ANONYMOUS_INTRINSICS.map(([name, expression]) => `[${JSON.stringify(name)}, (() => { try { return ${expression}; } catch { return undefined; } })()]`).join(', ')}]);
      const toKey = (s) => s.startsWith('@@') ? Symbol[s.slice(2)] : s;
      const resolve = (name) => {
        const steps = name[0] === '%' ? [name.slice(0, name.indexOf('%', 1) + 1), ...name.slice(name.indexOf('%', 1) + 2).split('.')] : name.split('.');
        let value = steps[0][0] === '%' ? anonymous.get(steps[0]) : globalThis[steps[0]];
        for (const step of steps.slice(1)) if (step !== '') value = value == null ? undefined : value[toKey(step)];
        return value;
      };
      return ${JSON.stringify(names)}.map((name) => {
        const value = name === '%FilePrototype%' ? 'skip' : resolve(name);
        return value === 'skip' ? [] : value === undefined ? ['missing'] : Reflect.ownKeys(value).map((k) => typeof k === 'symbol' ? '@@' + k.description.slice(7) : k);
      });
    })()`) as string[][];
    const problems: string[] = [];
    names.forEach((name, i) => {
      const keys = found[i]!;
      if (keys[0] === 'missing') problems.push(`${name} is missing`);
      else for (const key of keys) if (!PERMITS[name]!.includes(key)) problems.push(`${name}.${key} survived`);
    });
    expect(problems).toEqual([]);
  });
});

describe('a newer engine, simulated: what it adds before the prelude runs', () => {
  /** Runs `engineAdds` in a fresh context, then the prelude; returns the setup's error, if any, and `probe`'s JSON value. */
  const withEngineAdding = (engineAdds: string, probe: string): { error?: string; value?: unknown } => {
    const fresh = new ivm.Isolate({ memoryLimit: 64 });
    try {
      const newer = fresh.createContextSync();
      newer.evalSync(engineAdds);
      const prelude = newer.evalSync(PRELUDE_SOURCE, { reference: true }) as ivm.Reference<(...args: unknown[]) => unknown>;
      try {
        prelude.applySync(undefined, [new ivm.Callback(() => -1), new ivm.ExternalCopy(new SharedArrayBuffer(RESULT_BUFFER.bytes(8))).copyInto({ release: true }), 8], { timeout: 10_000 });
      } catch (error) {
        return { error: String(error) };
      }
      return { value: JSON.parse(newer.evalSync(`JSON.stringify(${probe})`, { timeout: 2000 }) as string) };
    } finally {
      fresh.dispose();
    }
  };

  it('new methods, globals and accessors on intrinsics are gone, with the objects they led to', () => {
    const outcome = withEngineAdding(
      `const hidden = { planted: 1 };
       Array.prototype.newHelper = function () { return hidden; };
       Object.defineProperty(Math, 'newConstant', { value: hidden, writable: true, configurable: true });
       Object.defineProperty(Map.prototype, 'newGetter', { get() { return hidden; }, configurable: true });
       globalThis.NewGlobal = class {};
       Object.getPrototypeOf([][Symbol.iterator]()).newStep = function () {};`,
      `[typeof [].newHelper, 'newConstant' in Math, 'newGetter' in Map.prototype, typeof NewGlobal, 'newStep' in Object.getPrototypeOf([][Symbol.iterator]())]`,
    );
    expect(outcome).toEqual({ value: ['undefined', false, false, 'undefined', false] });
  });

  it('a property the permits do not list and that cannot be deleted stops the setup, naming it', () => {
    const outcome = withEngineAdding(`Object.defineProperty(Array.prototype, 'stuck', { value: {}, configurable: false });`, '0');
    expect(outcome.error).toMatch(/cannot remove properties the permits do not list: Array\.prototype\.stuck/);
  });
});
