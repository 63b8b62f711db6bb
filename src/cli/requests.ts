/**
 * `taskres resolve SPEC --requests requests.jsonl`: batch mode for pipelines without a server.
 * Each input line is one request, `{ "task"?, "args", "attempt"?, "previous"? }`; each output
 * line is its outcome, in input order: `{ "line", "status": "fulfilled", "resources" }` or
 * `{ "line", "status": "rejected", "error": { "code", "message", "taskName"?, "resource"? } }`.
 *
 * The input is streamed and resolved in chunks with `resolveMany`, at most
 * {@link MAX_CHUNKS_IN_FLIGHT} chunks at a time, so memory stays bounded whatever the number of
 * lines. A line that is not a valid request is a rejected outcome for that line, never a crash:
 * one bad line in a million must not cost the other 999,999 their answers.
 */
import { open } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { TaskresError, createResolver, isTaskresError, type PreviousAttempt, type Resolver, type ResolverOptions, type Resources, type Task } from 'taskres';
import { formatIssues, type Issue } from '../core/text.js';
import { UsageError, whyUnreadable } from '../loading/errors.js';
import { reviveArgs } from '../loading/file-args.js';
import { TaskIndex, pickTask, type FoundTask } from '../loading/task-lookup.js';
import { jsonLine, outPaced, show } from './output.js';

/** Requests sent to `resolveMany` at once. */
export const CHUNK_SIZE = 512;

/** Chunks being resolved at once: one resolving while the next is read keeps the sandbox busy. */
export const MAX_CHUNKS_IN_FLIGHT = 2;

/** The longest input line read; a longer one is rejected without being held in memory. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** What the batch needs from the `resolve` command's flags. */
export interface RequestsOptions {
  /** The tasks of SPEC. */
  found: FoundTask[];
  /** Where SPEC came from, for messages. */
  source: string;
  /** The `--requests` path, or `-` for standard input. */
  requestsPath: string;
  /** `--task`: the task of lines that name none. */
  defaultTask: string | undefined;
  /** From the flags (`--timeout-ms`, `--default-storage-gib`) and the channel's hints. */
  resolverOptions: ResolverOptions;
}

/** One request line as `resolveMany` takes it, retry context included. */
interface BatchRequest {
  task: Task;
  args: Record<string, unknown>;
  attempt?: number;
  previous?: PreviousAttempt;
}

/** What a line became: a request to resolve, or an outcome already decided (a bad line). */
type Parsed = { line: number; request: BatchRequest } | { line: number; outcome: Outcome };

type Outcome =
  | { line: number; status: 'fulfilled'; resources: Resources }
  | { line: number; status: 'rejected'; error: { code: string; message: string; taskName?: string; resource?: string } };

/** One input line: its number and text, or how long it was when it was too long to keep. */
type Line = { line: number; text: string } | { line: number; tooLongBytes: number };

/**
 * The shape of a request line; strict, so a misspelt key (`"arg"`, `"attempts"`) is reported
 * instead of silently resolving without it.
 */
const requestLine = z.strictObject({
  task: z.string().min(1).optional(),
  args: z.record(z.string(), z.unknown()),
  attempt: z.int().min(1).optional(),
  previous: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Resolves every line of the requests file and prints one outcome per line. Returns the exit
 * code: 0 when every line was fulfilled, 1 when any was rejected.
 */
export async function resolveRequests(options: RequestsOptions): Promise<number> {
  // --task names a task of SPEC; pickTask makes a wrong name a usage error before any line is read.
  const fallback = options.defaultTask !== undefined ? pickTask(options.found, options.defaultTask, options.source) : options.found.length === 1 ? options.found[0]!.task : undefined;
  const parser = lineParser(options, fallback);
  const input = await openInput(options.requestsPath);
  const resolver = createResolver(options.resolverOptions);
  let rejected = false;
  const inFlight: Promise<Outcome[]>[] = [];
  const flush = async (): Promise<void> => {
    const outcomes = await inFlight.shift()!;
    rejected ||= outcomes.some((outcome) => outcome.status === 'rejected');
    if (outcomes.length > 0) await outPaced(...outcomes.map((outcome) => jsonLine(outcome)));
  };
  try {
    let chunk: Parsed[] = [];
    for await (const line of readLines(input, options.requestsPath)) {
      if ('text' in line && line.text.trim() === '') continue;
      chunk.push(parser(line));
      if (chunk.length === CHUNK_SIZE) {
        inFlight.push(resolveChunk(resolver, chunk));
        chunk = [];
        if (inFlight.length === MAX_CHUNKS_IN_FLIGHT) await flush();
      }
    }
    if (chunk.length > 0) inFlight.push(resolveChunk(resolver, chunk));
    while (inFlight.length > 0) await flush();
  } finally {
    input.destroy();
    await resolver.close();
  }
  return rejected ? 1 : 0;
}

/** Resolves the requests of a chunk in one `resolveMany`; outcomes in line order. */
async function resolveChunk(resolver: Resolver, chunk: Parsed[]): Promise<Outcome[]> {
  const requests = chunk.flatMap((parsed) => ('request' in parsed ? [parsed.request] : []));
  const settled = await resolver.resolveMany(requests);
  let next = 0;
  return chunk.map((parsed): Outcome => {
    if ('outcome' in parsed) return parsed.outcome;
    const result = settled[next++]!;
    return result.status === 'fulfilled' ? { line: parsed.line, status: 'fulfilled', resources: result.value } : rejection(parsed.line, result.reason);
  });
}

function rejection(line: number, error: unknown): Outcome {
  if (!isTaskresError(error)) return { line, status: 'rejected', error: { code: 'TASKRES_INVALID_ARGS', message: show(error instanceof Error ? error.message : String(error), 500) } };
  return {
    line,
    status: 'rejected',
    error: {
      code: error.code,
      message: error.message,
      ...(error.taskName === undefined ? {} : { taskName: error.taskName }),
      ...(error.resource === undefined ? {} : { resource: error.resource }),
    },
  };
}

/** Turns one input line into a request, or into the rejected outcome that says what is wrong with it. */
function lineParser(options: RequestsOptions, fallback: Task | undefined): (line: Line) => Parsed {
  const byName = new TaskIndex(options.found);
  const base = options.requestsPath === '-' ? process.cwd() : dirname(resolvePath(options.requestsPath));
  const names = options.found.map((f) => f.task.taskName).join(', ');

  return (line) => {
    const invalid = (message: string, taskName?: string): Parsed => ({
      line: line.line,
      outcome: { line: line.line, status: 'rejected', error: { code: 'TASKRES_INVALID_ARGS', message: `line ${line.line}: ${message}`, ...(taskName === undefined ? {} : { taskName }) } },
    });
    if (!('text' in line)) return invalid(`is ${line.tooLongBytes} bytes long; a request line may hold at most ${MAX_LINE_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(line.text);
    } catch (error) {
      return invalid(`is not valid JSON (${show((error as Error).message, 200)}); each line holds one request, e.g. { "task": "my_task", "args": { "count": 3 } }`);
    }
    const checked = requestLine.safeParse(json);
    if (!checked.success) return invalid(formatIssues(checked.error.issues.slice(0, 1), { root: '', maxPathChars: 100, maxMessageChars: 200, describe: describeIssue }));
    const { task: name, args, attempt, previous } = checked.data;
    const task = name === undefined ? fallback : byName.get(name);
    if (!task) {
      return invalid(
        name === undefined
          ? `names no task and ${options.source} holds ${options.found.length} (${show(names, 300)}); add "task" to the line or pass --task NAME`
          : `names the task '${show(name, 100)}', which ${options.source} does not hold; it holds: ${show(names, 300) || 'no tasks'}`,
      );
    }
    let revived: Record<string, unknown>;
    try {
      revived = reviveArgs(args, base, (at, problem) => {
        throw new TaskresError('TASKRES_INVALID_ARGS', `${at} ${problem}`);
      }) as Record<string, unknown>;
    } catch (error) {
      return invalid(error instanceof TaskresError ? error.message : show((error as Error).message, 500), task.taskName);
    }
    // The one place the retry context reaches the resolver: validated above, passed as given.
    const request: BatchRequest = { task, args: revived };
    if (attempt !== undefined) request.attempt = attempt;
    // Its fields are the resolver's to check (one place, one message for every caller).
    if (previous !== undefined) request.previous = previous as unknown as PreviousAttempt;
    return { line: line.line, request };
  };
}

/** A request line's own wording of an issue; undefined for the shared one (`path: message`). */
function describeIssue(issue: Issue): string | undefined {
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return `has unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.slice(0, 5).map((key) => `'${show(key, 40)}'`).join(', ')}; a request line holds "args" and optionally "task", "attempt" and "previous"`;
  }
  if (at === '') return `must be a JSON object { "task"?: name, "args": { ... }, "attempt"?: n, "previous"?: { ... } }`;
  if (at === 'args') return `"args" must be a JSON object of the task's parameters, e.g. { "files": [{ "$file": "a.fq" }], "count": 3 }`;
  if (at === 'task') return `"task" must be a non-empty task name`;
  if (at === 'attempt') return `"attempt" must be a whole number, 1 or more (the first attempt is 1)`;
  if (at === 'previous') return `"previous" must be a JSON object, e.g. { "resources": { ... }, "reason": "oom" }`;
  return undefined;
}

async function openInput(path: string): Promise<Readable> {
  if (path === '-') return process.stdin;
  try {
    const handle = await open(path, 'r');
    return handle.createReadStream({ highWaterMark: 64 * 1024 });
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${whyUnreadable(path, error)}`);
  }
}

/**
 * The lines of `input`, split on `\n` (a `\r` before it is dropped). Bytes are decoded once a
 * line is whole, so a character split across reads stays whole; a line longer than
 * {@link MAX_LINE_BYTES} is counted, not kept.
 */
async function* readLines(input: Readable, path: string): AsyncGenerator<Line> {
  let pieces: Buffer[] = [];
  let bytes = 0;
  let number = 0;
  const finish = (): Line => {
    number += 1;
    if (bytes > MAX_LINE_BYTES) return { line: number, tooLongBytes: bytes };
    const text = Buffer.concat(pieces).toString('utf8');
    return { line: number, text: text.endsWith('\r') ? text.slice(0, -1) : text };
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
        keep(chunk.subarray(start, end));
        yield finish();
        pieces = [];
        bytes = 0;
        start = end + 1;
      }
      keep(chunk.subarray(start));
    }
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${whyUnreadable(path, error)}`);
  }
  if (bytes > 0) yield finish();

  function keep(piece: Buffer): void {
    if (piece.length === 0) return;
    bytes += piece.length;
    if (bytes <= MAX_LINE_BYTES) pieces.push(piece);
    else pieces = [];
  }
}
