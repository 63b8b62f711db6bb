/**
 * Checks one resource value against a range, with zod, and says what was wrong in words a
 * user can act on. Used for static values at definition time and for results at resolve time.
 */
import { z } from 'zod';
import type { ResourceName } from './errors.js';
import { describeValue } from './text.js';
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
  return `expected ${describeExpected(resource, range)}, received ${describeValue(value)}${outOfRangeHint(resource, range, value)}`;
}

/** What to do about `value`, as ": advice", or '' when there is nothing specific to say. */
export function outOfRangeHint(resource: ResourceName, range: Range, value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)) return ': round it with Math.ceil or Math.floor';
  if (typeof value === 'number' && Number.isInteger(value) && value > range.max) return `: lower it, or raise limits.${resource}.max (or use overLimit: 'clamp')`;
  if (typeof value === 'number' && Number.isInteger(value) && value < range.min) return `: raise it to at least ${range.min}`;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return ': return a number, not a string (e.g. Number(x))';
  return '';
}
