/**
 * A job's input object as evaluation sees it: a fresh copy of the caller's job (which is
 * never changed), checked to be JSON data, with the tool's input defaults applied where the
 * job gives no value or null (cwltool's `fill_in_defaults`).
 */
import { TaskresError } from '../core/errors.js';
import { describeTool, isRecord, kindOf } from './document.js';
import type { CompiledTool } from './compile.js';

const MAX_DEPTH = 200;

/** The job's inputs, defaults applied; throws `TASKRES_INVALID_ARGS` for a job that is not JSON data. */
export function prepareInputs(tool: CompiledTool, job: unknown): Record<string, unknown> {
  if (job === undefined || job === null) job = {};
  if (!isRecord(job)) throw invalidJob(tool, `must be an input object (parsed from its YAML or JSON), received ${kindOf(job)}`);
  const inputs = copyData(tool, job, 'job', 0, new Set()) as Record<string, unknown>;
  for (const [name, value] of tool.defaults) {
    if (!Object.hasOwn(inputs, name) || inputs[name] === null) define(inputs, name, copyData(tool, value, `the default of input '${name.slice(0, 60)}'`, 0, new Set()));
  }
  return inputs;
}

function copyData(tool: CompiledTool, value: unknown, path: string, depth: number, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw invalidJob(tool, `holds ${value} at ${path}; JSON has no such number`);
      return value;
    case 'object':
      break;
    default:
      throw invalidJob(tool, `holds ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`} at ${path}; a job holds JSON data only`);
  }
  if (value === null) return null;
  if (depth >= MAX_DEPTH) throw invalidJob(tool, `is nested deeper than ${MAX_DEPTH} levels at ${path}`);
  if (seen.has(value)) throw invalidJob(tool, `holds a cycle at ${path}`);
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    const list = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) list[i] = copyData(tool, value[i], `${path}[${i}]`, depth + 1, seen);
    out = list;
  } else {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) throw invalidJob(tool, `holds a class instance at ${path}; a job holds JSON data only`);
    const record: Record<string, unknown> = {};
    for (const key of Object.keys(value)) define(record, key, copyData(tool, (value as Record<string, unknown>)[key], `${path}.${key.slice(0, 40)}`, depth + 1, seen));
    out = record;
  }
  seen.delete(value);
  return out;
}

// An own data property even for keys like `__proto__`.
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function invalidJob(tool: CompiledTool, problem: string): TaskresError {
  return new TaskresError('TASKRES_INVALID_ARGS', `The job for ${describeTool(tool.name)} ${problem}.`);
}
