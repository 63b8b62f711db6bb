/**
 * Checks one resource value against a range, with zod, and says what was wrong in words a
 * user can act on. Used for static values at definition time and for results at resolve time.
 */
import { z } from 'zod';
import { describeValue, type ResourceName } from './errors.js';
import { RESOURCE_UNITS, type Range } from './units.js';

/** A zod schema accepting a safe integer within `range`. Build once, use many times. */
export function rangeSchema(range: Range): z.ZodNumber {
  return z.number().int().min(range.min).max(range.max);
}

/** What a value of `resource` must be, e.g. "a whole number of cores from 1 to 126". */
export function describeExpected(resource: ResourceName, range: Range): string {
  return `a whole number of ${RESOURCE_UNITS[resource]} from ${range.min} to ${range.max}`;
}

/** Why `value` is not a whole number of `resource` within `range`, in one sentence. */
export function describeOutOfRange(resource: ResourceName, range: Range, value: unknown): string {
  const expected = describeExpected(resource, range);
  let hint = '';
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)) {
    hint = ': round it with Math.ceil or Math.floor';
  } else if (typeof value === 'number' && Number.isInteger(value) && value > range.max) {
    hint = `: lower it, or raise limits.${resource}.max (or use overLimit: 'clamp')`;
  } else if (typeof value === 'number' && Number.isInteger(value) && value < range.min) {
    hint = `: raise it to at least ${range.min}`;
  } else if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    hint = ': return a number, not a string (e.g. Number(x))';
  }
  return `expected ${expected}, received ${describeValue(value)}${hint}`;
}
