import { describe, expect, it } from 'vitest';
import { inRange, rangeSchema } from '../src/core/resource-range.js';

// The resolver checks results with inRange instead of zod (per-call allocations); both must
// give the same answer for every value a function can return.
describe('inRange', () => {
  const ranges = [
    { min: 1, max: 126 },
    { min: 0, max: 8 },
    { min: 0, max: Number.MAX_SAFE_INTEGER },
  ];
  const values: unknown[] = [
    0, -0, 1, 2, 8, 9, 126, 127, -1, 1.5, 0.1, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1,
    Number.MIN_SAFE_INTEGER, 2 ** 60, 1e308, Number.EPSILON, '8', null, undefined, 8n, {}, [8], true,
  ];
  for (const range of ranges) {
    it(`answers as rangeSchema does for ${range.min}..${range.max}`, () => {
      const schema = rangeSchema(range);
      for (const value of values) expect([value, inRange(range, value)]).toEqual([value, schema.safeParse(value).success]);
    });
  }
});
