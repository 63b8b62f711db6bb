/**
 * Checks that `args` hold exactly a task's parameters, as data, and encodes the parameters
 * its resource functions read into JSON in one pass. Files become `{"$file": k}` markers,
 * `k` indexing the job's own list of distinct paths.
 */
import { TaskresError } from '../errors.js';
import { isTaskFile } from '../definition/task-file.js';
import type { TaskDefinition } from '../definition/task.js';

/** A task's arguments, ready for the sandbox. */
export interface EncodedArgs {
  /** JSON object of the parameters the resource functions read. */
  paramsJson: string;
  /** JSON array entries `["path","name"]` (plus the size when known) of the distinct files, in marker order (no brackets). */
  filesJson: string;
}

const MAX_DEPTH = 200;

/** Validates `args` for `definition` and encodes them; throws `TASKRES_INVALID_ARGS`. */
export function encodeArgs(definition: TaskDefinition, args: unknown): EncodedArgs {
  const task = definition.name;
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw invalid(task, `args must be an object of the task's parameters (${definition.params.join(', ') || 'none'}), received ${args === null ? 'null' : Array.isArray(args) ? 'an array' : typeof args}`);
  }
  const given = Object.keys(args);
  let present = 0;
  for (const name of definition.params) if (Object.hasOwn(args, name)) present++;
  if (present !== definition.params.length || given.length !== present) {
    const missing = definition.params.filter((p) => !Object.hasOwn(args, p));
    const unknown = given.filter((k) => !definition.params.includes(k));
    const parts = [
      missing.length ? `missing ${missing.map((p) => `'${p}'`).join(', ')}` : '',
      unknown.length ? `unknown ${unknown.slice(0, 5).map((p) => `'${p.slice(0, 40)}'`).join(', ')}` : '',
    ].filter(Boolean);
    throw invalid(task, `args of task '${task}' must hold exactly its parameters (${definition.params.join(', ') || 'none'}): ${parts.join('; ')}`);
  }
  const encoder = new Encoder(task);
  const record = args as Record<string, unknown>;
  const copied = definition.paramsToCopy;
  let json = '{';
  for (const name of definition.params) {
    if (copied.includes(name)) json += `${json.length > 1 ? ',' : ''}${JSON.stringify(name)}:${encoder.encode(record[name], name, 0)}`;
    else encoder.check(record[name], name, 0);
  }
  return { paramsJson: `${json}}`, filesJson: encoder.filesJson };
}

class Encoder {
  filesJson = '';
  private readonly files: string[] = [];
  // Few files and shallow data per call: linear scans beat building a Map and a Set per call.
  private readonly ancestors: object[] = [];

  constructor(private readonly task: string) {}

  /** Validates without encoding (parameters no function reads). */
  check(value: unknown, path: string, depth: number): void {
    this.walk(value, path, depth, false);
  }

  encode(value: unknown, path: string, depth: number): string {
    return this.walk(value, path, depth, true);
  }

  private walk(value: unknown, path: string, depth: number, emit: boolean): string {
    switch (typeof value) {
      case 'string':
        return emit ? JSON.stringify(value) : '';
      case 'boolean':
        return value ? 'true' : 'false';
      case 'number':
        if (!Number.isFinite(value)) throw this.bad(path, `${value} (numbers must be finite)`);
        return emit ? JSON.stringify(value) : '';
      case 'object':
        break;
      default:
        throw this.bad(path, `${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`} (args are data: objects, arrays, strings, finite numbers, booleans, null and TaskFile)`);
    }
    if (value === null) return 'null';
    if (isTaskFile(value)) return emit ? `{"$file":${this.file(value.path, value.name, value.size)}}` : '';
    if (depth >= MAX_DEPTH) throw this.bad(path, `nesting deeper than ${MAX_DEPTH} levels`);
    if (this.ancestors.includes(value)) throw this.bad(path, 'a cycle (an object that contains itself)');
    this.ancestors.push(value);
    try {
      if (Array.isArray(value)) {
        const items: string[] = [];
        for (let i = 0; i < value.length; i++) items.push(this.walk(value[i], `${path}[${i}]`, depth + 1, emit));
        return emit ? `[${items.join(',')}]` : '';
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) {
        const kind = (prototype as { constructor?: { name?: string } })?.constructor?.name ?? 'class';
        throw this.bad(path, `an instance of ${kind.slice(0, 40)} (only plain objects, arrays and TaskFile are data; convert it first)`);
      }
      if (Object.getOwnPropertySymbols(value).length > 0) throw this.bad(path, 'an object with symbol keys');
      const entries: string[] = [];
      for (const key of Object.keys(value)) {
        if (key === '$file') throw this.bad(`${path}.$file`, "the key '$file', which marks files in JSON specs (use new TaskFile(path) for a file)");
        const encoded = this.walk((value as Record<string, unknown>)[key], `${path}.${key.slice(0, 40)}`, depth + 1, emit);
        if (emit) entries.push(`${JSON.stringify(key)}:${encoded}`);
      }
      return emit ? `{${entries.join(',')}}` : '';
    } finally {
      this.ancestors.pop();
    }
  }

  private file(path: string, name: string, size: number | undefined): number {
    // Distinct paths only: each is looked up at most once per resolve. A file given with its
    // size is its own entry (the size travels with it and is never looked up).
    const key = size === undefined ? path : `${path}\u0000${size}`;
    let index = this.files.length < 64 ? this.files.indexOf(key) : (this.fileIndex ??= new Map(this.files.map((p, i) => [p, i]))).get(key) ?? -1;
    if (index < 0) {
      index = this.files.length;
      this.files.push(key);
      this.filesJson += `${index > 0 ? ',' : ''}[${JSON.stringify(path)},${JSON.stringify(name)}${size === undefined ? '' : `,${size}`}]`;
      this.fileIndex?.set(key, index);
    }
    return index;
  }

  private fileIndex: Map<string, number> | undefined;

  private bad(path: string, what: string): TaskresError {
    return invalid(this.task, `args.${path} of task '${this.task}' is ${what}`);
  }
}

function invalid(taskName: string, message: string): TaskresError {
  return new TaskresError('TASKRES_INVALID_ARGS', `${message}.`, { taskName });
}
