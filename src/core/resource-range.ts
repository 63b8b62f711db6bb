/**
 * Checks one resource value against a range, with zod, and says what was wrong in words a
 * user can act on. Used for static values at definition time and for results at resolve time.
 *
 * The advice depends on where the value came from. Code (a resource function's result, or a
 * number a program computed) is told how to round it. Data (a spec from JSON, the CLI or an
 * HTTP body) is written by people used to other units: Kubernetes (`500m`, `16Gi`) or Snakemake
 * (`mem_mb: 16000`); they are told the unit and the number to write instead.
 */
import { z } from 'zod';
import type { ResourceName } from './errors.js';
import { describeValue, quote } from './text.js';
import { RESOURCE_UNITS, type Range } from './units.js';

/** Where a value came from: `'code'` (a program or a resource function) or `'data'` (a spec from JSON, the CLI or HTTP). */
export type ValueOrigin = 'code' | 'data';

/** A zod schema accepting a safe integer within `range`. Build once, use many times. */
export function rangeSchema(range: Range): z.ZodNumber {
  return z.number().int().min(range.min).max(range.max);
}

/** What a value of `resource` must be, e.g. "a whole number of cores from 1 to 126". */
export function describeExpected(resource: ResourceName, range: Range): string {
  return `a whole number of ${RESOURCE_UNITS[resource]} from ${range.min} to ${range.max}`;
}

/** Why `value` is not a whole number of `resource` within `range`, in one sentence. */
export function describeOutOfRange(resource: ResourceName, range: Range, value: unknown, origin: ValueOrigin = 'code'): string {
  return `expected ${describeExpected(resource, range)}, received ${describeValue(value)}${outOfRangeHint(resource, range, value, origin)}`;
}

/** How many of a smaller unit make one of each resource's unit, for values written in the smaller one. */
const SMALLER_UNIT: Partial<Record<ResourceName, { per: number; name: string }>> = {
  cpu: { per: 1000, name: 'millicores' },
  memory: { per: 1024, name: 'MiB' },
  storage: { per: 1024, name: 'MiB' },
};

/** What to do about `value`, as ": advice", or '' when there is nothing specific to say. */
export function outOfRangeHint(resource: ResourceName, range: Range, value: unknown, origin: ValueOrigin = 'code'): string {
  const unit = unitName(resource);
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)) {
    const whole = Math.min(range.max, Math.max(range.min, Math.ceil(value)));
    return origin === 'code'
      ? `: ${resource} is in whole ${unit}; round it with Math.ceil or Math.floor`
      : `: ${resource} is in whole ${unit}; write ${whole}`;
  }
  if (typeof value === 'number' && Number.isInteger(value) && value > range.max) {
    const smaller = SMALLER_UNIT[resource];
    const meant = smaller ? Math.ceil(value / smaller.per) : undefined;
    if (smaller && meant !== undefined && value >= smaller.per && meant >= range.min && meant <= range.max) {
      const otherwise = origin === 'code' ? `; if not, lower it, or raise limits.${resource}.max` : '';
      return `: ${value} ${unit}: ${resource} is in ${unit}; did you mean ${meant}? (${value} looks like ${smaller.name})${otherwise}`;
    }
    return origin === 'code' ? `: lower it, or raise limits.${resource}.max (or use overLimit: 'clamp')` : `: lower it to at most ${range.max} ${unit}`;
  }
  if (typeof value === 'number' && Number.isInteger(value) && value < range.min) return `: raise it to at least ${range.min}`;
  if (typeof value === 'string') return stringHint(resource, range, value);
  return '';
}

/**
 * Advice for a string where a number belongs: `"8"` (a YAML or web-form number) is the number
 * 8; `"16Gi"`, `"16000Mi"`, `"500m"` are Kubernetes quantities, converted to this unit (rounded
 * up). '' when the string is neither.
 */
export function stringHint(resource: ResourceName, range: Range, value: string): string {
  const unit = unitName(resource);
  const number = numericString(value);
  if (number !== undefined) {
    const whole = Math.min(range.max, Math.max(range.min, Math.ceil(number)));
    return `: ${quote(value, 20)} is a string; write the number ${whole}${whole === number ? '' : ` (${resource} is in whole ${unit})`}`;
  }
  const quantity = kubernetesQuantity(value, resource);
  if (quantity !== undefined) {
    const whole = Math.min(range.max, Math.max(range.min, Math.ceil(quantity)));
    return `: ${quote(value, 20)} is a Kubernetes quantity; ${resource} is a number of whole ${unit}: write the number ${whole}`;
  }
  return '';
}

/** The number a string holds (`"8"`, `" 2.5 "`), or undefined. */
function numericString(value: string): number | undefined {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > 30) return undefined;
  const number = Number(trimmed);
  return Number.isFinite(number) && number >= 0 ? number : undefined;
}

const BYTE_SUFFIXES: Record<string, number> = {
  k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
  KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4,
};

/** A Kubernetes-style quantity (`"500m"`, `"2"`, `"16Gi"`, `"16000Mi"`, `"16GB"`) in this resource's unit, or undefined. */
function kubernetesQuantity(value: string, resource: ResourceName): number | undefined {
  const trimmed = value.trim();
  if (trimmed.length > 30) return undefined;
  let digits = 0;
  while (digits < trimmed.length && '0123456789.'.includes(trimmed[digits]!)) digits++;
  const number = Number(trimmed.slice(0, digits));
  const suffix = trimmed.slice(digits).trim();
  if (digits === 0 || !Number.isFinite(number)) return undefined;
  if (resource === 'cpu' || resource === 'gpu') return suffix === 'm' && resource === 'cpu' ? number / 1000 : undefined;
  const bytes = BYTE_SUFFIXES[suffix];
  return bytes === undefined ? undefined : (number * bytes) / 1024 ** 3;
}

function unitName(resource: ResourceName): string {
  return resource === 'gpu' ? 'devices' : RESOURCE_UNITS[resource];
}
