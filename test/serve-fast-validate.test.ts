/**
 * The resolve routes' zod-free path for their common shapes (src/service/fast-validate.ts):
 * whatever it takes, the zod schemas take too and give back the same value, and the shapes a
 * scheduler sends (a loaded task's name and plain args) do take it. Bodies are JSON text parsed
 * as the server parses them.
 */
import { describe, expect, it } from 'vitest';
import { isPlainBatch, isPlainItem } from '../src/service/fast-validate.js';
import { parseJsonBody } from '../src/service/json-body.js';
import { ResolveBody, ResolveManyBody } from '../src/service/schemas.js';

const file = { $file: 's3://bucket/reads_1.fq.gz', size: 3 * 1024 ** 3 };
/** Items the fast path must take. */
const plain: unknown[] = [
  { task: 'bwa_mem', args: { files: [file, file], count: 1 } },
  { args: { files: [] }, task: 'x' },
  { task: 'a'.repeat(200), args: {} },
  { task: 'bwa_mem', args: { constructor: 'x', prototype: 1, nested: { constructor: { other: 2 } } } },
  { task: 'bwa_mem', args: { '': null, 'é': [1, 'two', { three: true }] } },
];
/** Items zod takes or refuses, that the fast path leaves to it. */
const other: unknown[] = [
  { task: '', args: {} },
  { task: 'a'.repeat(201), args: {} },
  { task: 'bwa_mem' },
  { args: {} },
  { task: 'bwa_mem', args: [] },
  { task: 'bwa_mem', args: null },
  { task: 'bwa_mem', args: 'text' },
  { task: 7, args: {} },
  { task: { name: 'inline', params: [], resources: { cpu: 1 } }, args: {} },
  { task: 'bwa_mem', args: {}, attempt: 2 },
  { task: 'bwa_mem', args: {}, attempt: 2, previous: { outcome: 'oom' } },
  { task: 'bwa_mem', args: {}, previous: { outcome: 'oom' } },
  { task: 'bwa_mem', args: {}, extra: 1 },
  { task: 'bwa_mem', args: {}, attempt: undefined },
  [],
  null,
  'bwa_mem',
];

/** The body as the server has it: JSON text through its parser. */
const asParsed = (value: unknown): unknown => parseJsonBody(JSON.stringify(value) ?? 'null', 'test');

describe('the zod-free path of the resolve routes', () => {
  it('takes the common item shapes, each as zod gives it back', () => {
    for (const item of plain.map(asParsed)) {
      expect(isPlainItem(item)).toBe(true);
      const parsed = ResolveBody.safeParse(item);
      expect(parsed.success).toBe(true);
      expect(parsed.data).toStrictEqual(item);
    }
  });

  it('leaves every other item to zod', () => {
    for (const item of other) expect(isPlainItem(item)).toBe(false);
    // An object whose prototype is not Object's (or null) is not JSON: zod decides.
    expect(isPlainItem(Object.assign(Object.create({ inherited: 1 }), { task: 'bwa_mem', args: {} }))).toBe(false);
    expect(isPlainItem({ task: 'bwa_mem', args: Object.assign(Object.create(null), { files: [] }) })).toBe(true);
  });

  it('takes a batch only when every item is plain, as zod gives it back', () => {
    const batch = asParsed({ items: plain });
    expect(isPlainBatch(batch)).toBe(true);
    const parsed = ResolveManyBody.safeParse(batch);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toStrictEqual(batch);
    expect(isPlainBatch(asParsed({ items: [] }))).toBe(true);
    for (const item of other) expect(isPlainBatch({ items: [...plain, item] })).toBe(false);
    for (const body of [{ items: plain, extra: 1 }, { items: 'x' }, { items: null }, [], null, {}]) expect(isPlainBatch(body)).toBe(false);
  });

  it('never takes what zod refuses (shapes generated around the common one)', () => {
    const tasks: unknown[] = ['', 'x', 'a'.repeat(200), 'a'.repeat(201), 0, null, true, [], {}];
    const args: unknown[] = [{}, { a: 1 }, [], null, 'x', 1, { constructor: 1 }];
    const extras: Record<string, unknown>[] = [{}, { attempt: 1 }, { previous: null }, { other: 'x' }];
    for (const task of tasks)
      for (const arg of args)
        for (const extra of extras)
          for (const item of [{ task, args: arg, ...extra }, { task, ...extra }, { args: arg, ...extra }]) {
            const body = asParsed(item);
            const parsed = ResolveBody.safeParse(body);
            if (isPlainItem(body)) {
              expect(parsed.success).toBe(true);
              expect(parsed.data).toStrictEqual(body);
            }
            if (isPlainBatch({ items: [body] })) expect(ResolveManyBody.safeParse({ items: [body] }).success).toBe(true);
          }
  });
});
