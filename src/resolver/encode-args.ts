/**
 * Checks that `args` hold exactly a task's parameters, as data, and encodes the parameters
 * its resource functions read into one JSON string in one pass. Files become `{"$file": k}`
 * markers, `k` indexing the job's own list of distinct files, which is kept as data: a batch
 * encodes each distinct file once, in a table its jobs' lists index (see ../protocol/batch-codec.ts).
 *
 * The encoding is a job's part of a batch and stays in memory until the batch settles, so the
 * parameters are one flat string per job: the pass writes each level's JSON text from its
 * parts and joins them (join makes a flat string), instead of concatenating pieces into the
 * kept text (a tree of string fragments that would live on) or building a plain copy of the
 * parameters to stringify (an object per level and per file, for every item).
 */
import { TaskresError } from '../core/errors.js';
import { isTaskFile } from '../definition/task-file.js';
import type { TaskDefinition } from '../definition/task.js';

import type { FileList } from '../protocol/batch-codec.js';

export type { FileList } from '../protocol/batch-codec.js';

/**
 * A task's arguments, ready for the sandbox: `files` lists the distinct files in marker order
 * (flat: path, name, size of each, see FileList) and `paramsJson` is the JSON object of the
 * parameters the resource functions read.
 */
export interface EncodedArgs {
  readonly files: FileList;
  readonly paramsJson: string;
  /**
   * The copied parameters that held a string anywhere inside them (files are not strings),
   * in signature order; absent when none did. Recorded during the one walk, for hints (see
   * path-string-hint.ts): a failure never has to look at the values again.
   */
  readonly stringParams?: readonly string[];
}

const MAX_DEPTH = 200;

const NO_FILES: FileList = Object.freeze([]);

/** Parameter JSON up to this length is shared between consecutive jobs that have the same. */
const MAX_SHARED_JSON_CHARS = 1024;
/** The JSON encodeArgs made last (see there). */
let lastParamsJson = '';

/** An encoder not in use: encoding reuses it, so an item makes no encoder and no scratch arrays of its own. */
let spareEncoder: Encoder | undefined;

/**
 * Validates `args` for `definition` and encodes them; throws `TASKRES_INVALID_ARGS`. With
 * `filesOut`, the files are appended to it (flat, see FileList; a caller that keeps many jobs'
 * files in one list, and cuts it back when this throws) and `files` is empty.
 */
export function encodeArgs(definition: TaskDefinition, args: unknown, filesOut?: (string | number | undefined)[]): EncodedArgs {
  // A getter in the args may start another resolution while this one encodes: it gets its own encoder.
  const encoder = spareEncoder ?? new Encoder();
  spareEncoder = undefined;
  try {
    return encodeWith(encoder, definition, args, filesOut);
  } finally {
    encoder.reset();
    spareEncoder = encoder;
  }
}

function encodeWith(encoder: Encoder, definition: TaskDefinition, args: unknown, filesOut: (string | number | undefined)[] | undefined): EncodedArgs {
  const task = definition.name;
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw invalid(task, `args must be an object of the task's parameters (${definition.params.join(', ') || 'none'}), received ${args === null ? 'null' : Array.isArray(args) ? 'an array' : typeof args}`);
  }
  const given = Object.keys(args);
  const { params, paramsToCopy } = definition;
  let present = 0;
  for (let p = 0; p < params.length; p++) if (Object.hasOwn(args, params[p]!)) present++;
  if (present !== params.length || given.length !== present) throw mismatch(task, params, args, given);
  encoder.start(task, filesOut);
  const record = args as Record<string, unknown>;
  const entries: string[] = [];
  let indexKeys = false;
  let stringParams: string[] | undefined;
  // A task's few parameters are scanned; a set only for many (a linear scan per parameter
  // would make a spec of 50,000 parameters cost 2.5e9 comparisons).
  const copied = paramsToCopy.length > 16 ? new Set(paramsToCopy) : undefined;
  for (let p = 0; p < params.length; p++) {
    const name = params[p]!;
    encoder.keys.push(name);
    encoder.sawString = false;
    // Parameters no function reads are validated, not copied.
    const value = encoder.walk(record[name], 0, copied ? copied.has(name) : paramsToCopy.includes(name));
    if (value !== SKIPPED) {
      entries.push(keyJson(name) + value);
      indexKeys ||= isArrayIndex(name);
    }
    if (encoder.sawString) (stringParams ??= []).push(name);
    encoder.keys.pop();
  }
  // An object puts its array-index keys first, in ascending order: so did JSON.stringify of the copy.
  if (indexKeys) entries.sort((a, b) => indexOfEntry(a) - indexOfEntry(b));
  // Joined, so that the text kept while the job waits is one flat string, not a tree of the pieces.
  let paramsJson = '{}';
  if (entries.length > 0) {
    entries[0] = `{${entries[0]!}`;
    entries[entries.length - 1] += '}';
    paramsJson = entries.join(',');
  }
  // Items of one large call often have the same parameters for the functions (the ones they
  // read): keep one string for them all rather than one per waiting job. Short ones only (the
  // module keeps the last one alive).
  if (paramsJson === lastParamsJson) paramsJson = lastParamsJson;
  else if (paramsJson.length <= MAX_SHARED_JSON_CHARS) lastParamsJson = paramsJson;
  // An exact copy: the encoder's list is reused, and this one lives as long as the job.
  const files = filesOut !== undefined || encoder.files.length === 0 ? NO_FILES : encoder.files.slice();
  return stringParams ? { files, paramsJson, stringParams } : { files, paramsJson };
}

/** Names an error lists before "and N more": the message stays short whatever the spec's size. */
const LISTED_NAMES = 20;

/** A short list of names for a message: the first few, clipped, and a count of the rest. */
function listNames(names: readonly string[], max: number): string {
  const shown = names.slice(0, max).map((name) => `'${name.slice(0, 40)}'`).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/**
 * The error for args whose keys are not the parameters: linear in both (sets, not scans),
 * and naming only the first few of each, so a spec of 50,000 parameters and as many unknown
 * args costs milliseconds and a short message.
 */
function mismatch(task: string, params: readonly string[], args: object, given: readonly string[]): TaskresError {
  const known = new Set(params);
  const missing = params.filter((p) => !Object.hasOwn(args, p));
  const unknown = given.filter((k) => !known.has(k));
  const parts = [missing.length ? `missing ${listNames(missing, LISTED_NAMES)}` : '', unknown.length ? `unknown ${listNames(unknown, 5)}` : ''].filter(Boolean);
  const expected = params.length === 0 ? 'none' : params.length > LISTED_NAMES ? `${params.length} of them: ${params.slice(0, LISTED_NAMES).join(', ').slice(0, 400)}, …` : params.join(', ');
  return invalid(task, `args of task '${task}' must hold exactly its parameters (${expected}): ${parts.join('; ')}`);
}

/** What `walk` returns for a value it only validated. */
const SKIPPED = Symbol('skipped');

/** True when `key` is an array index, which objects order first (ascending) whatever the insertion order. */
function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}

/** The sort key of a top-level entry (`"name":json`): its index when the name is one, else after all indexes (a stable sort keeps their order). */
function indexOfEntry(entry: string): number {
  const name = JSON.parse(entry.slice(0, entry.indexOf('":') + 1)) as string;
  return isArrayIndex(name) ? Number(name) : 2 ** 32;
}

/** `"key":` for keys up to this long is made once (parameter names and the usual keys of data). */
const MAX_CACHED_KEY_CHARS = 64;
/** Cached `"key":` texts at most (the cache is emptied when full: data may bring any number of keys). */
const MAX_CACHED_KEYS = 4096;
const keyJsonCache = new Map<string, string>();

/** `key` as JSON, followed by a colon. */
function keyJson(key: string): string {
  let text = keyJsonCache.get(key);
  if (text === undefined) {
    text = `${JSON.stringify(key)}:`;
    if (key.length <= MAX_CACHED_KEY_CHARS) {
      if (keyJsonCache.size >= MAX_CACHED_KEYS) keyJsonCache.clear();
      keyJsonCache.set(key, text);
    }
  }
  return text;
}

/** The marker text of the first files of a job, made once. */
const FILE_MARKERS = Array.from({ length: 16 }, (_, k) => `{"$file":${k}}`);

class Encoder {
  /** The distinct files in marker order, flat (see FileList): its own list, or the caller's. */
  files: (string | number | undefined)[] = [];
  /** Where the walk is, for error messages only (built into a path on failure). */
  readonly keys: (string | number)[] = [];
  /** Set when a copied value was a string, since the caller last cleared it. */
  sawString = false;
  // Few files and shallow data per call: linear scans beat building a Map and a Set per call.
  private readonly ancestors: object[] = [];
  private readonly paths: string[] = [];
  private fileIndex: Map<string, number> | undefined;
  private readonly ownFiles = this.files;
  private task = '';

  /** Begins encoding a job of `task`, its files appended to `filesOut` when given. */
  start(task: string, filesOut: (string | number | undefined)[] | undefined): void {
    this.task = task;
    this.files = filesOut ?? this.ownFiles;
  }

  /** Forgets the last job (a throw may have left the walk anywhere). */
  reset(): void {
    // Only what is not empty: setting an array's length is a call into the runtime, even to 0.
    if (this.keys.length > 0) this.keys.length = 0;
    if (this.ancestors.length > 0) this.ancestors.length = 0;
    if (this.paths.length > 0) this.paths.length = 0;
    if (this.ownFiles.length > 0) this.ownFiles.length = 0;
    this.files = this.ownFiles;
    this.fileIndex = undefined;
    this.sawString = false;
  }

  /**
   * Validates `value`; returns its JSON text (files as markers) when `emit`, else SKIPPED. The
   * text is written while walking, each level joined from its parts (a flat string, not a
   * tree of fragments), with no plain copy of the value: the same text as JSON.stringify of
   * such a copy.
   */
  walk(value: unknown, depth: number, emit: boolean): string | typeof SKIPPED {
    switch (typeof value) {
      case 'string':
        if (!emit) return SKIPPED;
        this.sawString = true;
        return JSON.stringify(value);
      case 'boolean':
        return emit ? (value ? 'true' : 'false') : SKIPPED;
      case 'number':
        if (!Number.isFinite(value)) throw this.bad(`${value} (numbers must be finite)`);
        // JSON's text of a finite number is its String (-0 included: "0").
        return emit ? String(value) : SKIPPED;
      case 'object':
        break;
      default:
        throw this.bad(`${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`} (args are data: objects, arrays, strings, finite numbers, booleans, null and TaskFile)`);
    }
    if (value === null) return emit ? 'null' : SKIPPED;
    if (isTaskFile(value)) {
      if (!emit) return SKIPPED;
      const k = this.file(value.path, value.name, value.size);
      return k < FILE_MARKERS.length ? FILE_MARKERS[k]! : `{"$file":${k}}`;
    }
    if (depth >= MAX_DEPTH) throw this.bad(`nesting deeper than ${MAX_DEPTH} levels`);
    if (this.ancestors.includes(value)) throw this.bad('a cycle (an object that contains itself)');
    this.ancestors.push(value);
    const { keys } = this;
    try {
      if (Array.isArray(value)) {
        const parts: string[] | undefined = emit ? new Array<string>(value.length) : undefined;
        for (let i = 0; i < value.length; i++) {
          keys.push(i);
          const item = this.walk(value[i], depth + 1, emit);
          if (parts) parts[i] = item as string;
          keys.pop();
        }
        return parts ? `[${parts.join(',')}]` : SKIPPED;
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) {
        const kind = (prototype as { constructor?: { name?: string } })?.constructor?.name ?? 'class';
        throw this.bad(`an instance of ${kind.slice(0, 40)} (only plain objects, arrays and TaskFile are data; convert it first)`);
      }
      if (Object.getOwnPropertySymbols(value).length > 0) throw this.bad('an object with symbol keys');
      // Object.keys lists array-index keys first, ascending, as JSON.stringify would.
      const parts: string[] | undefined = emit ? [] : undefined;
      for (const key of Object.keys(value)) {
        keys.push(key);
        if (key === '$file') throw this.bad("the key '$file', which marks files in JSON specs (use new TaskFile(path) for a file)");
        const item = this.walk((value as Record<string, unknown>)[key], depth + 1, emit);
        if (parts) parts.push(keyJson(key) + (item as string));
        keys.pop();
      }
      return parts ? `{${parts.join(',')}}` : SKIPPED;
    } finally {
      this.ancestors.pop();
    }
  }

  private file(path: string, name: string, size: number | undefined): number {
    // Distinct paths only: each is looked up at most once per resolve. A file given with its
    // size is its own entry (the size travels with it and is never looked up).
    const { paths } = this;
    const key = size === undefined ? path : `${path}\u0000${size}`;
    let index = paths.length < 64 ? paths.indexOf(key) : (this.fileIndex ??= new Map(paths.map((p, i) => [p, i]))).get(key) ?? -1;
    if (index < 0) {
      index = paths.length;
      paths.push(key);
      this.files.push(path, name, size);
      this.fileIndex?.set(key, index);
    }
    return index;
  }

  private bad(what: string): TaskresError {
    let path = '';
    for (const key of this.keys) path += typeof key === 'number' ? `[${key}]` : `${path === '' ? '' : '.'}${key.slice(0, 40)}`;
    return invalid(this.task, `args.${path} of task '${this.task}' is ${what}`);
  }
}

function invalid(taskName: string, message: string): TaskresError {
  return new TaskresError('TASKRES_INVALID_ARGS', `${message}.`, { taskName });
}
