/**
 * `taskres cwl TOOL.cwl JOB.yml`: a CWL tool's ResourceRequirement for one job, as a CWL
 * runner would compute it (see docs/cwl.md); `--requests FILE.jsonl` for many jobs.
 *
 * The files are read as cwltool reads them: YAML (a JSON file is YAML too), `$include` in an
 * expressionLib inlined from beside the tool, and a File without `size` measured from its
 * `path` or `location` (relative to the file that names it), as a runner stages it.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ParseArgsConfig } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { createResolver, type Resolver } from 'taskres';
import { cwlToResources, resolveCwl, resolveCwlMany, type CwlOutcome, type CwlResources } from 'taskres/cwl';
import { SpecError, UsageError, whyUnreadable } from '../loading/errors.js';
import { json, jsonLine, out, outPaced, show, table, type Safe } from './output.js';

/** Jobs of a requests file resolved at once. */
const CHUNK_SIZE = 512;

/** The entry of `cwl` in the CLI's command table. */
export const cwlCommand = {
  summary: "compute a CWL tool's ResourceRequirement for a job, as the CWL spec says",
  usage: 'taskres cwl TOOL.cwl (JOB.yml | --requests JOBS.jsonl) [--format json|table] [--timeout-ms N]',
  details:
    'TOOL.cwl is a CommandLineTool (YAML or JSON, cwlVersion v1.0, v1.1 or v1.2); JOB.yml its input object.\n' +
    'Prints { cores, ram, tmpdirSize, outdirSize } (cores; MiB), plus cudaDeviceCount for cwltool:CUDARequirement.\n' +
    'Files without "size" are measured from their path or location, relative to the file naming them.\n' +
    'With --requests, each line of JOBS.jsonl is { "job": {...}, "tool"?: "other.cwl" } and each output line\n' +
    'its outcome, in input order. Exit code 1 with the error code on failure. See docs/cwl.md.',
  options: {
    help: { type: 'boolean', short: 'h' },
    format: { type: 'string', short: 'f', default: 'json' },
    'timeout-ms': { type: 'string' },
    requests: { type: 'string', short: 'r' },
  } satisfies NonNullable<ParseArgsConfig['options']>,
  optionHelp: {
    help: 'print this help',
    format: "'json' (default) or 'table' (with the values in taskres units)",
    'timeout-ms': 'for the JavaScript of one job, in milliseconds (default 1000)',
    requests: 'JSON Lines file of jobs (- for stdin), instead of JOB.yml: one JSON outcome per line',
  },
  positionals: [1, 2] as [number, number],
  run: async (values: Record<string, string | boolean | undefined>, [toolPath, jobPath]: string[]): Promise<number> => {
    const format = values.format as string;
    if (format !== 'json' && format !== 'table') throw new UsageError(`--format must be json or table, received '${format}'`);
    const requests = values.requests;
    if (typeof requests === 'string' && jobPath !== undefined) throw new UsageError('give JOB.yml or --requests JOBS.jsonl, not both');
    if (typeof requests !== 'string' && jobPath === undefined) throw new UsageError('JOB.yml is required (the input object, YAML or JSON), or --requests JOBS.jsonl for many');
    if (typeof requests === 'string' && format !== 'json') throw new UsageError('--requests writes JSON Lines; --format table is for one job');
    const timeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1)) throw new UsageError(`--timeout-ms must be a whole number of milliseconds, received '${values['timeout-ms']}'`);
    const tool = readTool(toolPath!);
    const resolver = createResolver(timeoutMs === undefined ? {} : { timeoutMs });
    try {
      if (typeof requests === 'string') return await resolveJobsFile(resolver, tool, toolPath!, requests);
      const job = withFileSizes(readDocument(jobPath!, 'job'), dirname(resolvePath(jobPath!)));
      const values = await resolveCwl(resolver, tool, job, { name: toolPath });
      out(format === 'json' ? json(values) : valuesTable(toolPath!, values));
      return 0;
    } finally {
      await resolver.close();
    }
  },
};

function valuesTable(name: string, values: CwlResources): Safe {
  const units = cwlToResources(values);
  return table(
    ['tool', 'cores', 'ram MiB', 'tmpdir MiB', 'outdir MiB', 'CUDA devices', 'taskres (cpu, memory GiB, storage GiB, gpu)'],
    [[name, values.cores, values.ram, values.tmpdirSize, values.outdirSize, values.cudaDeviceCount ?? '-', `${units.cpu}, ${units.memory}, ${units.storage}, ${units.gpu}`]],
  );
}

/** A YAML or JSON document; a file that cannot be read or parsed is a SpecError naming it. */
function readDocument(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SpecError(`cannot read the ${what} ${path}: ${whyUnreadable(path, error)}`);
  }
  try {
    // YAML 1.2 (JSON is a subset); aliases are bounded by the parser (no billion laughs).
    return parseYaml(text, { prettyErrors: false });
  } catch (error) {
    throw new SpecError(`the ${what} ${path} is not valid YAML or JSON: ${show((error as Error).message.split('\n')[0], 300)}`);
  }
}

/** The tool, with `$include` in its expressionLib inlined and its input defaults' Files measured. */
function readTool(path: string): unknown {
  const tool = readDocument(path, 'tool');
  const base = dirname(resolvePath(path));
  if (typeof tool !== 'object' || tool === null || Array.isArray(tool)) return tool;
  const record = tool as Record<string, unknown>;
  for (const key of ['requirements', 'hints']) {
    const list = record[key];
    const entries = Array.isArray(list) ? list : typeof list === 'object' && list !== null ? Object.entries(list).map(([cls, entry]) => ({ class: cls, ...(entry as object) })) : [];
    for (const entry of entries as Record<string, unknown>[]) {
      if (entry?.class !== 'InlineJavascriptRequirement' || !Array.isArray(entry.expressionLib)) continue;
      const lib = entry.expressionLib.map((item: unknown) => {
        const include = (item as { $include?: unknown } | null)?.$include;
        if (typeof include !== 'string') return item;
        try {
          return readFileSync(include.startsWith('file:') ? fileURLToPath(include) : resolvePath(base, include), 'utf8');
        } catch (error) {
          throw new SpecError(`cannot read ${include}, which ${path} includes in its expressionLib: ${whyUnreadable(include, error)}`);
        }
      });
      if (Array.isArray(list)) entry.expressionLib = lib;
      else ((list as Record<string, Record<string, unknown>>).InlineJavascriptRequirement!).expressionLib = lib;
    }
  }
  if (record.inputs !== undefined) record.inputs = withFileSizes(record.inputs, base);
  return record;
}

/**
 * A copy of `value` in which every File without a `size` has the size of its local `path` or
 * `location` (relative to `base`); one that is not a readable local file keeps no size, and
 * evaluation says which input lacks it if a field reads it.
 */
function withFileSizes(value: unknown, base: string): unknown {
  if (Array.isArray(value)) return value.map((item) => withFileSizes(item, base));
  if (typeof value !== 'object' || value === null) return value;
  const record: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) record[key] = withFileSizes(item, base);
  if (record.class === 'File' && typeof record.size !== 'number') {
    const where = typeof record.path === 'string' ? record.path : typeof record.location === 'string' ? record.location : undefined;
    const local = where === undefined ? undefined : where.startsWith('file:') ? fileURLToPath(where) : /^[a-z][a-z0-9+.-]*:/i.test(where) ? undefined : resolvePath(base, where);
    if (local !== undefined) {
      try {
        record.size = statSync(local).size;
      } catch {
        // Left without a size: see above.
      }
    }
  }
  return record;
}

/** `--requests`: one outcome line per job line, in order; exit code 1 when any was rejected. */
async function resolveJobsFile(resolver: Resolver, tool: unknown, toolPath: string, path: string): Promise<number> {
  const base = path === '-' ? process.cwd() : dirname(resolvePath(path));
  let input: NodeJS.ReadableStream;
  if (path === '-') input = process.stdin;
  else {
    try {
      statSync(path);
    } catch (error) {
      throw new UsageError(`cannot read ${path}: ${whyUnreadable(path, error)}`);
    }
    input = createReadStream(path);
  }
  const tools = new Map<string, unknown>();
  let rejected = false;
  let chunk: { line: number; item?: { tool: unknown; job: unknown; name: string }; error?: string }[] = [];
  const flush = async (): Promise<void> => {
    const items = chunk.flatMap((entry) => (entry.item ? [entry.item] : []));
    const outcomes = await resolveCwlMany(resolver, items);
    let next = 0;
    const lines = chunk.map((entry) => {
      if (entry.error !== undefined) {
        rejected = true;
        return jsonLine({ line: entry.line, status: 'rejected', error: { code: 'TASKRES_INVALID_ARGS', message: `line ${entry.line}: ${entry.error}` } });
      }
      const outcome: CwlOutcome = outcomes[next++]!;
      if (outcome.status === 'fulfilled') return jsonLine({ line: entry.line, status: 'fulfilled', values: outcome.value, resources: cwlToResources(outcome.value) });
      rejected = true;
      return jsonLine({ line: entry.line, status: 'rejected', error: { code: outcome.reason.code, message: outcome.reason.message } });
    });
    chunk = [];
    if (lines.length > 0) await outPaced(...lines);
  };
  let number = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    number++;
    if (text.trim() === '') continue;
    chunk.push(parseLine(number, text, tool, toolPath, base, tools));
    if (chunk.length === CHUNK_SIZE) await flush();
  }
  if (chunk.length > 0) await flush();
  return rejected ? 1 : 0;
}

function parseLine(line: number, text: string, tool: unknown, toolPath: string, base: string, tools: Map<string, unknown>): { line: number; item?: { tool: unknown; job: unknown; name: string }; error?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { line, error: `is not valid JSON (${show((error as Error).message, 200)}); each line holds { "job": { ... } }` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { line, error: 'must be a JSON object { "job": { ... }, "tool"?: "other.cwl" }' };
  const { job, tool: other, ...rest } = parsed as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return { line, error: `has unknown key '${show(unknown[0], 40)}'; a line holds "job" and optionally "tool"` };
  if (other !== undefined && typeof other !== 'string') return { line, error: '"tool" must be the path of a CWL tool, relative to the requests file' };
  let lineTool = tool;
  let name = toolPath;
  if (typeof other === 'string') {
    name = other;
    if (!tools.has(other)) {
      try {
        tools.set(other, readTool(resolvePath(base, other)));
      } catch (error) {
        return { line, error: error instanceof Error ? error.message : String(error) };
      }
    }
    lineTool = tools.get(other);
  }
  return { line, item: { tool: lineTool, job: withFileSizes(job ?? {}, base), name } };
}
