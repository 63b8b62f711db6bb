/**
 * A job's input object as evaluation sees it: the caller's job (which is never changed),
 * checked to be JSON data, with the tool's input defaults applied where the job gives no
 * value or null (cwltool's `fill_in_defaults`).
 */
import { TaskresError } from '../core/errors.js';
import { describeTool, isRecord, kindOf } from './document.js';
import type { CompiledTool } from './compile.js';

const MAX_DEPTH = 200;

/**
 * The job's inputs, defaults applied: a new top-level object over the caller's values (read,
 * never changed: the sandbox gets its own copy as JSON). Throws `TASKRES_INVALID_ARGS` for a
 * job that is not JSON data.
 */
export function prepareInputs(tool: CompiledTool, job: unknown): Record<string, unknown> {
  if (job === undefined || job === null) job = {};
  if (!isRecord(job)) throw invalidJob(tool, `must be an input object (parsed from its YAML or JSON), received ${kindOf(job)}`);
  checkData(tool, job, 'job', 0);
  const inputs: Record<string, unknown> = {};
  for (const key of Object.keys(job)) define(inputs, key, (job as Record<string, unknown>)[key]);
  for (const [name, value] of tool.defaults) {
    if (!Object.hasOwn(inputs, name) || inputs[name] === null) define(inputs, name, value);
  }
  return inputs;
}

// Checks without copying: a job is read many times per second by a scheduler's hot path.
function checkData(tool: CompiledTool, value: unknown, path: string, depth: number): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw invalidJob(tool, `holds ${value} at ${path}; JSON has no such number`);
      return;
    case 'object':
      break;
    default:
      throw invalidJob(tool, `holds ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`} at ${path}; a job holds JSON data only`);
  }
  if (value === null) return;
  // Deeper than any real job; also what stops a cycle.
  if (depth >= MAX_DEPTH) throw invalidJob(tool, `is nested deeper than ${MAX_DEPTH} levels at ${path.slice(0, 200)} (or holds a cycle)`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkData(tool, value[i], `${path}[${i}]`, depth + 1);
    return;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) throw invalidJob(tool, `holds a class instance at ${path}; a job holds JSON data only`);
  for (const key in value) {
    if (Object.hasOwn(value, key)) checkData(tool, (value as Record<string, unknown>)[key], path.length < 200 ? `${path}.${key.slice(0, 40)}` : path, depth + 1);
  }
}

// An own data property even for the key `__proto__`.
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function invalidJob(tool: CompiledTool, problem: string): TaskresError {
  return new TaskresError('TASKRES_INVALID_ARGS', `The job for ${describeTool(tool.name)} ${problem}.`);
}
