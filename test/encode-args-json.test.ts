/**
 * encodeArgs writes the parameters' JSON while it walks them (src/resolver/encode-args.ts):
 * its text must be exactly JSON.stringify of a plain copy with each file replaced by its
 * marker, whatever the data (array-index keys, `__proto__`, -0, escapes, nesting), and a
 * resolveMany item's files appended to a caller's list must be the same list.
 */
import { describe, expect, it } from 'vitest';
import { TaskFile, customTask } from '../src/index.js';
import { encodeArgs } from '../src/resolver/encode-args.js';
import { getTaskDefinition } from '../src/definition/task.js';

const task = customTask({ cpu: ({ a, b }: { a: unknown; b: unknown }) => (a === b ? 1 : 2), memory: 1 })(function json_task({ a, b, c }: { a: unknown; b: unknown; c: unknown }) {
  return [a, b, c];
});
const definition = getTaskDefinition(task)!;

/** The reference: a plain copy, files as markers numbered by distinct path (and size), stringified. */
function reference(args: Record<string, unknown>): { json: string; files: unknown[] } {
  const keys: string[] = [];
  const files: unknown[] = [];
  const copy = (value: unknown): unknown => {
    if (value instanceof TaskFile) {
      const key = value.size === undefined ? value.path : `${value.path}\u0000${value.size}`;
      let k = keys.indexOf(key);
      if (k < 0) {
        k = keys.length;
        keys.push(key);
        files.push(value.path, value.name, value.size);
      }
      return { $file: k };
    }
    if (Array.isArray(value)) return value.map(copy);
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) Object.defineProperty(out, key, { value: copy((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true });
      return out;
    }
    return value;
  };
  // Only the parameters the functions read (a and b), in signature order.
  return { json: JSON.stringify({ a: copy(args.a), b: copy(args.b) }), files };
}

/** A deterministic pseudo-random generator (no flakiness, same cases every run). */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 6 : 9));
  const strings = ['', 'x', 'ü\u2028"\\\n\u0001', '__proto__', '10', 'a b', '\ud83d\ude00', '$x'];
  const numbers = [0, -0, 1.5, -2, 1e21, 1e-7, 2 ** 53, 123456789];
  switch (pick) {
    case 0:
      return strings[Math.floor(random() * strings.length)];
    case 1:
      return numbers[Math.floor(random() * numbers.length)];
    case 2:
      return random() < 0.5;
    case 3:
      return null;
    case 4:
      return new TaskFile(`/data/f${Math.floor(random() * 4)}.txt`, random() < 0.3 ? { size: Math.floor(random() * 3) } : undefined);
    case 5:
      return `s${Math.floor(random() * 1000)}`;
    case 6:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      const count = Math.floor(random() * 4);
      for (let i = 0; i < count; i++) {
        const key = ['k', '2', '0', '__proto__', 'z', '10', 'é', '4294967295'][Math.floor(random() * 8)]!;
        Object.defineProperty(out, key, { value: randomValue(random, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}

describe('encodeArgs JSON', () => {
  it('is JSON.stringify of the plain copy for 2,000 generated arguments', () => {
    const random = generator(21);
    for (let n = 0; n < 2000; n++) {
      const args = { a: randomValue(random, 0), b: randomValue(random, 0), c: randomValue(random, 0) };
      const expected = reference(args);
      const encoded = encodeArgs(definition, args);
      expect(encoded.paramsJson).toBe(expected.json);
      expect([...encoded.files]).toEqual(expected.files);
      const list: (string | number | undefined)[] = ['before'];
      const appended = encodeArgs(definition, args, list);
      expect(appended.paramsJson).toBe(expected.json);
      expect(appended.files).toHaveLength(0);
      expect(list.slice(1)).toEqual(expected.files);
    }
  });

  it('keeps the error of bad args, and an encoder a getter re-enters works on its own', () => {
    const inner = { a: 1, b: [new TaskFile('/in.txt')], c: 0 };
    let nested = '';
    const args = {
      get a() {
        nested = encodeArgs(definition, inner).paramsJson;
        return [new TaskFile('/out.txt')];
      },
      b: 2,
      c: 3,
    };
    expect(encodeArgs(definition, args).paramsJson).toBe('{"a":[{"$file":0}],"b":2}');
    expect(nested).toBe('{"a":1,"b":[{"$file":0}]}');
    expect(() => encodeArgs(definition, { a: [1, Number.NaN], b: 1, c: 1 })).toThrow(/args\.a\[1\] of task 'json_task' is NaN/);
    expect(encodeArgs(definition, { a: 1, b: 2, c: 3 }).paramsJson).toBe('{"a":1,"b":2}');
  });
});
