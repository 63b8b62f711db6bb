/**
 * The batch codec: how the jobs of one batch travel from the resolver (user's process) to
 * the isolate, and how their outcomes come back to each job. Pure: no I/O, no state beyond
 * one batch. Declared once here; the encoder runs in the user's process, the reader in the
 * sandbox worker, and the isolate parses what the reader hands it (`IsolateJob`).
 *
 * Why this shape: the isolate must hold only the arguments of the job it is running. A
 * neighbour's arguments in the isolate's heap would count against this evaluation's memory
 * and let it measure them (the isolate refuses an allocation once its heap passes the
 * limit). So the batch crosses the worker as one string, split there without parsing, and
 * the isolate asks for one job's text at a time, builds that job's values, and drops them.
 *
 * The payload is three parts separated by U+0002; parts two and three hold one entry per
 * item, separated by U+0001. Every entry is JSON text (made by JSON.stringify, which escapes
 * every control character), so a separator never occurs inside one:
 * 1. the plan: JSON `[[source index, ...], ...]`, per job the indexes into `meta.sources` of
 *    its functions, in evaluation order;
 * 2. the file table: each distinct file once, JSON `[path, name]` or `[path, name, size]`;
 * 3. the jobs: JSON `[[file index, ...], params]` or `[[file index, ...], params, contexts]`,
 *    the files as indexes into the table (a marker `{"$file": k}` in `params` names the k-th),
 *    `contexts` the retry context per function (or null) for functions that name it.
 */
import type { ParameterBinding } from '../definition/analyze-source.js';
import type { BatchResult, EvaluationFailure, SourceEntry } from './messages.js';

/** A file as the sandbox gets it: `[path, name]`, plus the size when the caller gave it. */
export type FileEntry = [string, string] | [string, string, number];

/**
 * A job's distinct files as the resolver keeps them while the job waits: flat, FILE_STRIDE
 * slots per file (path, name, size or undefined when not given), in marker order. One array
 * per job instead of one per file: a large resolveMany keeps every waiting job's list alive.
 */
export type FileList = readonly (string | number | undefined)[];

/** Slots per file in a {@link FileList}. */
export const FILE_STRIDE = 3;

/** A batch on the wire: `meta` (JSON of BatchMeta) for the worker, `payload` for the reader. */
export interface EncodedBatch {
  meta: string;
  payload: string;
}

/** What the encoder needs of a job. */
export interface BatchJob {
  /** The job's functions, one evaluation each. Jobs of one task share this array. */
  readonly dynamics: readonly { readonly source: string; readonly binding: ParameterBinding }[];
  /** Its distinct files in marker order, and the JSON object of its parameters. */
  readonly args: { readonly files: FileList; readonly paramsJson: string };
  /** JSON array of the retry context per function; only for tasks whose functions name it. */
  readonly contextJson?: string | undefined;
}

/**
 * One job as the isolate receives it (JSON.parse of `BatchReader.jobText`): its files in
 * marker order, its parameters, and its retry contexts when its functions name them.
 */
export type IsolateJob = [FileEntry[], Record<string, unknown>, (Record<string, unknown> | null)[]?];

/**
 * The outcomes of one job's evaluations: evaluation `k` returned `values[offset + k]`,
 * unless `failures` holds `offset + k`. Read it synchronously: the view is reused.
 */
export interface JobOutcomes {
  values: Float64Array;
  offset: number;
  failures: ReadonlyMap<number, EvaluationFailure> | undefined;
}

/** A job that can be settled from its batch's outcomes. */
export interface SettleableJob {
  readonly dynamics: readonly unknown[];
  settle(outcomes: JobOutcomes): void;
}

const ENTRY = '\u0001';
const COMMA = 0x2c;
const ZERO = 0x30;
const PART = '\u0002';

/** Characters a job adds to a batch at most (its files count in full, as if no other job shared them). */
export function encodedChars(job: BatchJob): number {
  return encodedCharsOf(job.args.files, 0, job.args.files.length, job.args.paramsJson, job.contextJson);
}

/** encodedChars of a job given as BatchEncoder.add takes it. */
export function encodedCharsOf(files: FileList, filesFrom: number, filesTo: number, paramsJson: string, contextJson: string | undefined): number {
  let chars = paramsJson.length + (contextJson?.length ?? 0) + 16;
  for (let k = filesFrom; k < filesTo; k += FILE_STRIDE) chars += (files[k] as string).length + (files[k + 1] as string).length + 32;
  return chars;
}

/**
 * Encodes jobs into the two strings of a batch. Each distinct file is encoded once, in the
 * batch's file table; a job lists its files as indexes into it, in the order of its markers.
 */
export function encodeBatch(jobs: readonly BatchJob[]): EncodedBatch {
  const encoder = new BatchEncoder();
  for (let j = 0; j < jobs.length; j++) {
    const job = jobs[j]!;
    encoder.add(job.dynamics, job.args.files, 0, job.args.files.length, job.args.paramsJson, job.contextJson);
  }
  return encoder.finish();
}

/**
 * Builds a batch one job at a time (what encodeBatch does for a list of jobs): for callers
 * that keep many jobs' arguments in columns rather than one object per job.
 */
export class BatchEncoder {
  private readonly sources: SourceEntry[] = [];
  private readonly sourceIndex = new Map<string, number>();
  // Jobs of one task share their dynamics array: encode its source list once per batch.
  private readonly sourceLists = new Map<BatchJob['dynamics'], string>();
  private readonly table: FileEntry[] = [];
  private readonly byPath = new Map<string, number>();
  private byKey: Map<string, number> | undefined;
  private plan = '';
  private fileTable = '';
  private jobEntries = '';
  private count = 0;
  private jobs = 0;

  /**
   * Adds a job: its functions, its distinct files as `files[filesFrom..filesTo)` (flat, see
   * FileList), the JSON of its parameters, and its retry contexts' JSON when its functions name them.
   */
  add(dynamics: BatchJob['dynamics'], files: FileList, filesFrom: number, filesTo: number, paramsJson: string, contextJson: string | undefined): void {
    const j = this.jobs++;
    let list = this.sourceLists.get(dynamics);
    if (list === undefined) {
      const { sources, sourceIndex } = this;
      list = `[${dynamics
        .map((dynamic) => {
          let index = sourceIndex.get(dynamic.source);
          if (index === undefined) {
            index = sources.length;
            sourceIndex.set(dynamic.source, index);
            sources.push({ source: dynamic.source, ...dynamic.binding });
          }
          return index;
        })
        .join(',')}]`;
      this.sourceLists.set(dynamics, list);
    }
    this.plan += j > 0 ? `,${list}` : list;
    this.count += dynamics.length;
    const { table, byPath } = this;
    let fileList = '';
    for (let k = filesFrom; k < filesTo; k += FILE_STRIDE) {
      const path = files[k] as string;
      const name = files[k + 1] as string;
      const size = files[k + 2] as number | undefined;
      // A file is the same entry only with the same path, name and given size. Looked up by
      // path first (a path string reused across jobs hashes once); a path that comes with
      // another name or size goes by the whole key.
      let index = byPath.get(path);
      if (index === undefined || !sameFile(table[index]!, path, name, size)) {
        const key = `${path}\u0000${name}\u0000${size ?? ''}`;
        index = index === undefined ? undefined : (this.byKey ??= new Map()).get(key);
        if (index === undefined) {
          index = table.length;
          const file: FileEntry = size === undefined ? [path, name] : [path, name, size];
          table.push(file);
          this.fileTable += `${index > 0 ? ENTRY : ''}${JSON.stringify(file)}`;
          if (!byPath.has(path)) byPath.set(path, index);
          else (this.byKey ??= new Map()).set(key, index);
        }
      }
      fileList += k > filesFrom ? `,${index}` : `${index}`;
    }
    this.jobEntries += `${j > 0 ? ENTRY : ''}[[${fileList}],${paramsJson}${contextJson === undefined ? ']' : `,${contextJson}]`}`;
  }

  /** The batch of the jobs added so far. */
  finish(): EncodedBatch {
    const meta: BatchMeta = { sources: this.sources, count: this.count, jobs: this.jobs };
    return { meta: JSON.stringify(meta), payload: `[${this.plan}]${PART}${this.fileTable}${PART}${this.jobEntries}` };
  }
}

/** True when a file entry is the file `path`, `name`, `size` (undefined: not given) for the sandbox. */
function sameFile(entry: FileEntry, path: string, name: string, size: number | undefined): boolean {
  return entry[0] === path && entry[1] === name && entry[2] === size;
}

/** What the worker host needs of a batch (the JSON of `EncodedBatch.meta`). */
export interface BatchMeta {
  sources: SourceEntry[];
  /** Evaluations in the batch. */
  count: number;
  /** Jobs (resolve calls) in the batch. */
  jobs: number;
}

/**
 * The worker's view of a payload: the plan, each job's text for the isolate, each job's
 * values for the file-size host. Splitting is lazy and cheap (no JSON is parsed until a job
 * is asked for), and no job's data is kept beyond what a caller keeps.
 */
export class BatchReader {
  /** JSON text of the plan, as the isolate parses it. */
  readonly planText: string;
  private readonly fileTexts: string[];
  private readonly jobTexts: string[];
  private evaluationJobs: Int32Array | undefined;
  private evaluationSources: Int32Array | undefined;
  /** The file list (`[[0,1]`) of the last job `jobText` built, and its text with the entries. */
  private lastFileList = '';
  private lastFiles = '';

  constructor(payload: string) {
    const first = payload.indexOf(PART);
    const second = payload.indexOf(PART, first + 1);
    if (first < 0 || second < 0) throw new Error('malformed batch payload: expected three parts');
    this.planText = payload.slice(0, first);
    const files = payload.slice(first + 1, second);
    const jobs = payload.slice(second + 1);
    this.fileTexts = files === '' ? [] : files.split(ENTRY);
    this.jobTexts = jobs === '' ? [] : jobs.split(ENTRY);
  }

  /** Jobs in the batch. */
  get jobCount(): number {
    return this.jobTexts.length;
  }

  /** Characters of job `j`'s text as `jobText` returns it, at most (files counted in full). */
  jobChars(j: number): number {
    return this.jobTexts[j]!.length + this.fileIndexes(j).reduce((sum, index) => sum + this.fileTexts[index]!.length + 1, 0);
  }

  /**
   * Job `j` as JSON text of an IsolateJob: its file indexes replaced by the entries. The
   * isolate asks for one job's text at a time, once per job, so this is on every job's path:
   * the index list is read in place, and the file part of the previous job is reused when
   * this job's list is the same (jobs of one caller often name the same files).
   */
  jobText(j: number): string {
    const entry = this.jobTexts[j]!;
    const close = entry.indexOf(']');
    if (!(this.lastFileList !== '' && entry.startsWith(this.lastFileList))) {
      const fileTexts = this.fileTexts;
      let files = '';
      let index = 0;
      for (let k = 2; k < close; k++) {
        const code = entry.charCodeAt(k);
        if (code === COMMA) {
          files += fileTexts[index]! + ',';
          index = 0;
        } else index = index * 10 + code - ZERO;
      }
      if (close > 2) files += fileTexts[index]!;
      this.lastFileList = entry.slice(0, close + 1);
      this.lastFiles = `[[${files}]`;
    }
    return this.lastFiles + entry.slice(close + 1);
  }

  /** Job `j`'s values, as the isolate sees them. */
  job(j: number): IsolateJob {
    return JSON.parse(this.jobText(j)) as IsolateJob;
  }

  /** The job of each evaluation, and the index into `meta.sources` of its function. */
  evaluations(): { jobs: Int32Array; sources: Int32Array } {
    if (!this.evaluationJobs || !this.evaluationSources) {
      const plan = JSON.parse(this.planText) as number[][];
      const count = plan.reduce((sum, list) => sum + list.length, 0);
      const jobs = new Int32Array(count);
      const sources = new Int32Array(count);
      let evaluation = 0;
      for (let j = 0; j < plan.length; j++) {
        for (const source of plan[j]!) {
          jobs[evaluation] = j;
          sources[evaluation++] = source;
        }
      }
      this.evaluationJobs = jobs;
      this.evaluationSources = sources;
    }
    return { jobs: this.evaluationJobs, sources: this.evaluationSources };
  }

  /**
   * The first evaluation at or after `evaluation` that starts a job (or the evaluation
   * count): where a batch may stop early with every job before it complete.
   */
  jobBoundaryAtOrAfter(evaluation: number): number {
    const { jobs } = this.evaluations();
    let i = evaluation;
    while (i > 0 && i < jobs.length && jobs[i] === jobs[i - 1]) i++;
    return Math.min(i, jobs.length);
  }

  private fileIndexes(j: number): number[] {
    const entry = this.jobTexts[j]!;
    const list = entry.slice(2, entry.indexOf(']'));
    return list === '' ? [] : list.split(',').map(Number);
  }
}

/**
 * Settles the jobs of a batch from its result; returns the jobs it has no outcomes for (a
 * batch that stopped early after a costly failure), to be queued again ahead of newer work.
 */
export function settleBatch<J extends SettleableJob>(jobs: readonly J[], result: BatchResult): J[] {
  const { view, completed } = outcomesOf(result);
  for (let j = 0; j < jobs.length; j++) {
    const job = jobs[j]!;
    if (view.offset + job.dynamics.length > completed) return jobs.slice(j);
    job.settle(view);
    view.offset += job.dynamics.length;
  }
  return [];
}

/**
 * A batch result as the jobs read it: a view at offset 0 with the failures by evaluation index,
 * and how many evaluations have outcomes (all of them unless the batch stopped early).
 */
export function outcomesOf(result: BatchResult): { view: JobOutcomes; completed: number } {
  let failures: Map<number, EvaluationFailure> | undefined;
  if (result.failures.length > 0) {
    failures = new Map();
    for (const failure of result.failures) failures.set(failure.index, failure);
  }
  return { view: { values: result.values, offset: 0, failures }, completed: result.completed ?? Number.POSITIVE_INFINITY };
}
