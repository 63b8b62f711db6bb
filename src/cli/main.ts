/**
 * The `taskres` command, started by bin/taskres.js. It is a plain user of the package: it
 * imports `taskres` (the package's own public entry, not bundled into this file), so a module
 * spec that imports `taskres` shares its copy. Everything it prints goes through ./output.ts.
 *
 *   taskres demo                                   the example tasks, resolved and placed
 *   taskres resolve SPEC --args ARGS.json [--task NAME] [--format json|table] [--attempt N --previous FILE.json]
 *   taskres resolve SPEC --requests REQUESTS.jsonl [--task NAME]   one JSON outcome per line
 *   taskres cwl TOOL.cwl JOB.yml [--format json|table]   a CWL tool's ResourceRequirement for a job
 *   taskres check SPEC                             every definition-time problem at once
 *   taskres bench [--json] [--quick] [--only GROUP] [--cold-node NODE]   the benchmark (in a clone only)
 *   taskres doctor                                 can this machine run resource functions?
 *   taskres serve [--host H] [--port P] [--tasks SPEC]…   the resolver as an HTTP service
 *   taskres --version
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createResolver, isTaskresError, toKubernetesResources, type Resources, type RetryContext } from 'taskres';
import { closestName } from '../core/text.js';
import { runDemo } from './demo.js';
import { packageInfo, runDoctor } from './doctor.js';
import { runCheck } from './check.js';
import { SpecError, UsageError } from '../loading/errors.js';
import { readArgs } from '../loading/file-args.js';
import { loadChosenTask, loadTasks, readJson } from '../loading/specs.js';
import { resolveRequests } from './requests.js';
import { describeThrown, err, json, jsonLine, joinSafe, out, safe, table, type Safe } from './output.js';
import { serveCommand } from './serve.js';
import { cwlCommand } from './cwl.js';

interface Command {
  summary: string;
  usage: string;
  details: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** What each option does, for `--help`. */
  optionHelp: Readonly<Record<string, string>>;
  /** How many positional arguments it takes: exactly, or [fewest, most]. */
  positionals: number | readonly [number, number];
  /** True when the command is not part of this installation: left out of the help. */
  unavailable?: () => boolean;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;
const HELP_TEXT = { help: 'print this help' } as const;

const commands: Record<string, Command> = {
  demo: {
    summary: 'resolve the example tasks in the sandbox and place them on the default node pools',
    usage: 'taskres demo',
    details: 'Creates sample input files in a temp dir (removed afterwards), resolves every example task\nin the sandbox, places them with the allocator, prints the Kubernetes resources of one task,\nand shows hostile functions being stopped while the others still resolve.',
    options: { ...HELP_OPTION },
    optionHelp: HELP_TEXT,
    positionals: 0,
    run: async () => runDemo(),
  },
  resolve: {
    summary: "compute a task's resources for given arguments",
    usage: 'taskres resolve SPEC (--args ARGS.json | --requests REQUESTS.jsonl) [--task NAME] [--format json|table] [--attempt N [--previous PREVIOUS.json]]',
    details:
      'SPEC is a JSON task spec (the defineTask shape, or an array of them) or a JS/TS module of tasks.\nARGS.json holds the task parameters; files are written { "$file": "path" } (relative to ARGS.json).\nPrints the resources as JSON (or a table). Exit code 1 with the error code on failure.\n' +
      'With --requests, each line of REQUESTS.jsonl is { "task"?, "args", "attempt"?, "previous"? } and each output\n' +
      'line its outcome, in input order; exit code 1 when any line was rejected (see docs/deploy.md).',
    options: {
      ...HELP_OPTION,
      args: { type: 'string', short: 'a' },
      task: { type: 'string', short: 't' },
      format: { type: 'string', short: 'f', default: 'json' },
      'timeout-ms': { type: 'string' },
      'default-storage-gib': { type: 'string' },
      attempt: { type: 'string' },
      previous: { type: 'string' },
      requests: { type: 'string', short: 'r' },
    },
    optionHelp: {
      ...HELP_TEXT,
      args: 'JSON file of the task parameters (this or --requests is required); files as { "$file": "path" }, relative to it',
      task: 'which task of SPEC to resolve, when it holds several',
      format: "'json' (default) or 'table' (with the Kubernetes resources)",
      'timeout-ms': 'per resource-function evaluation, in milliseconds (default 1000)',
      'default-storage-gib': 'storage of tasks that declare none, in GiB (default 500; 0: no ephemeral-storage request)',
      attempt: 'which attempt this is, 1-based (a retry): the task\'s retry option escalates from --previous',
      previous: 'JSON file of what happened last time: { "resources": {...}, "reason": "oom", "peak": { "memory": 7.6 } }',
      requests: 'JSON Lines file of requests (- for stdin), instead of --args: one JSON outcome per line',
    },
    positionals: 1,
    run: async (values, [spec]) => {
      const format = values.format as string;
      if (format !== 'json' && format !== 'table') throw new UsageError(`--format must be json or table, received '${format}'`);
      if (typeof values.requests === 'string' && typeof values.args === 'string') throw new UsageError('--args and --requests are mutually exclusive: --args resolves one request, --requests a file of them');
      if (typeof values.requests === 'string' && format !== 'json') throw new UsageError('--requests writes JSON Lines; --format table is for one request (--args)');
      if (typeof values.args !== 'string' && typeof values.requests !== 'string') throw new UsageError('--args ARGS.json is required (the task parameters as JSON), or --requests REQUESTS.jsonl for many');
      const timeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
      if (timeoutMs !== undefined && !Number.isInteger(timeoutMs)) throw new UsageError(`--timeout-ms must be a whole number of milliseconds, received '${values['timeout-ms']}'`);
      const defaultStorageGiB = values['default-storage-gib'] === undefined ? undefined : Number(values['default-storage-gib']);
      if (defaultStorageGiB !== undefined && !(Number.isSafeInteger(defaultStorageGiB) && defaultStorageGiB >= 0)) {
        throw new UsageError(`--default-storage-gib must be a whole number of GiB (0 or more), received '${values['default-storage-gib']}'`);
      }
      // Hints name the fix as it is written in an args file ({ "$file": ... }), not in code.
      const resolverOptions = { hintsFor: 'cli' as const, ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(defaultStorageGiB === undefined ? {} : { defaultStorageGiB }) };
      const retry = readRetryFlags(values);
      if (typeof values.requests === 'string') {
        return resolveRequests({ found: await loadTasks(spec!), source: spec!, requestsPath: values.requests, defaultTask: values.task as string | undefined, resolverOptions });
      }
      const task = await loadChosenTask(spec!, values.task as string | undefined);
      const args = readArgs(values.args as string);
      const resolver = createResolver(resolverOptions);
      try {
        const resources = await resolver.resolve(task, args, retry);
        out(format === 'json' ? json(resources) : resourceTable(task.taskName, resources));
        return 0;
      } finally {
        await resolver.close();
      }
    },
  },
  check: {
    summary: 'run every definition-time check on a spec and report all problems at once',
    usage: 'taskres check SPEC',
    details: 'SPEC is a JSON task spec (or an array of them) or a JS/TS module of tasks.\nExit code 0 when every task is valid, 1 when any has a problem.',
    options: { ...HELP_OPTION },
    optionHelp: HELP_TEXT,
    positionals: 1,
    run: async (_values, [spec]) => runCheck(spec!),
  },
  bench: {
    summary: 'measure resolution throughput and latency against the baselines',
    usage: 'taskres bench [--json] [--quick] [--only GROUP] [--cold-node NODE]',
    details: 'Prints one table per scenario with ops/s, p50/p99 latency, peak RSS and the ratio to the\nin-process baseline, all measured in the same run. --json prints the results as JSON;\n--quick runs 5% of the iterations (a smoke run, not for comparisons).',
    unavailable: () => !existsSync(fileURLToPath(new URL('./bench.js', import.meta.url))),
    options: { ...HELP_OPTION, json: { type: 'boolean' }, quick: { type: 'boolean' }, only: { type: 'string' }, 'cold-node': { type: 'string' } },
    optionHelp: {
      ...HELP_TEXT,
      json: 'print the results as JSON',
      quick: 'run 5% of the iterations (a smoke run, not for comparisons)',
      only: 'run one group: patterns, cold, memory, classic, allocator or serve',
      'cold-node': 'the Node binary whose cold start is measured (default: this one)',
    },
    positionals: 0,
    run: async (values) => {
      const script = fileURLToPath(new URL('./bench.js', import.meta.url));
      // The published package leaves the benchmark out: it runs from a clone.
      if (!existsSync(script)) throw new UsageError('the benchmark is not part of the installed package; run it from a clone of the repository: npm ci && npm run bench');
      const flags = [values.json ? '--json' : '', values.quick ? '--quick' : ''].filter(Boolean);
      if (typeof values.only === 'string') flags.push('--only', values.only);
      if (typeof values['cold-node'] === 'string') flags.push('--cold-node', values['cold-node']);
      // The benchmark prints only its own fixed scenarios, so it may write to the terminal directly.
      const child = spawn(process.execPath, ['--no-node-snapshot', '--expose-gc', script, ...flags], { stdio: 'inherit' });
      return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
    },
  },
  doctor: {
    summary: 'check that this machine can run resource functions: Node, isolated-vm, a live sandbox probe',
    usage: 'taskres doctor',
    details:
      'Prints the Node version and ABI, which isolated-vm loads and from where, the flags in use, then\nstarts a sandbox and evaluates a function (cold-start time). Exit code 0 when taskres can run\nresource functions here, 1 (with the cause and the fix) when it cannot.',
    options: { ...HELP_OPTION },
    optionHelp: HELP_TEXT,
    positionals: 0,
    run: async () => runDoctor(),
  },
  serve: serveCommand,
  cwl: cwlCommand,
};

/** `--attempt N --previous FILE.json` as a retry context; its contents are checked by the resolver. */
function readRetryFlags(values: Record<string, string | boolean | undefined>): RetryContext | undefined {
  const { attempt, previous } = values;
  if (attempt === undefined) {
    if (previous !== undefined) throw new UsageError('--previous needs --attempt N (which attempt this is, e.g. --attempt 2)');
    return undefined;
  }
  const number = Number(attempt);
  if (!/^\d+$/.test(String(attempt)) || !Number.isSafeInteger(number) || number < 1) throw new UsageError(`--attempt must be a whole number from 1, received '${String(attempt)}'`);
  return typeof previous === 'string' ? { attempt: number, previous: readJson(previous) as RetryContext['previous'] } : { attempt: number };
}

function resourceTable(taskName: string, resources: Resources): Safe {
  const k8s = toKubernetesResources(resources).requests;
  return table(
    ['task', 'cpu', 'memory GiB', 'storage GiB', 'gpu', 'Kubernetes requests'],
    [[taskName, resources.cpu, resources.memory, resources.storage, `${resources.gpu}${resources.gpuType ? ` ${resources.gpuType}` : ''}`, Object.entries(k8s).map(([k, v]) => `${k}: ${v}`)]],
  );
}

/** Lines of the CLI's own text (help and usage), each escaped like any other value. */
function lines(text: string): Safe[] {
  return text.split('\n').map((line) => safe`${line}`);
}

function mainHelp(): Safe[] {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return lines(
    [
      'taskres: resource requests for workflow tasks, with resource functions run in a sandbox.',
      '',
      'Usage: taskres <command> [options]',
      '       taskres --version',
      '',
      'Commands:',
      ...Object.entries(commands)
        .filter(([, c]) => !c.unavailable?.())
        .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
      '',
      "Run 'taskres <command> --help' for a command's options.",
    ].join('\n'),
  );
}

function commandHelp(command: Command): Safe[] {
  const names = Object.entries(command.options).map(([option, spec]) => `  --${option}${'short' in spec && spec.short ? `, -${spec.short}` : ''}${spec.type === 'string' ? ' VALUE' : ''}`);
  const width = Math.max(...names.map((name) => name.length)) + 2;
  const options = Object.keys(command.options).map((option, i) => `${names[i]!.padEnd(width)}${command.optionHelp[option] ?? ''}`);
  return lines([`Usage: ${command.usage}`, '', command.details, '', 'Options:', ...options].join('\n'));
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(...mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === '-V') {
    out(safe`taskres ${packageInfo().version}`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    const suggestion = closestName(name, Object.keys(commands));
    const valid = Object.entries(commands).filter(([, c]) => !c.unavailable?.()).map(([n]) => n);
    err(safe`taskres: unknown command '${name}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}. Valid commands: ${valid.join(', ')}.`, safe``, ...mainHelp());
    return 2;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    const valid = Object.keys(command.options).map((o) => `--${o}`).join(', ');
    const message = error instanceof Error ? error.message.split('\n')[0]! : describeThrown(error);
    const unknown = /^Unknown option '-{1,2}([^']+)'/.exec(message)?.[1];
    const suggestion = unknown === undefined ? undefined : closestName(unknown, Object.keys(command.options));
    const problem = unknown === undefined ? message : `unknown option '${message.slice(16, message.indexOf("'", 16))}'${suggestion ? ` (did you mean --${suggestion}?)` : ''}`;
    err(safe`taskres ${name}: ${problem}. Valid options: ${valid}.`, safe`Usage: ${command.usage}`);
    return 2;
  }
  if (parsed.values.help) {
    out(...commandHelp(command));
    return 0;
  }
  const [fewest, most] = typeof command.positionals === 'number' ? [command.positionals, command.positionals] : command.positionals;
  if (parsed.positionals.length < fewest || parsed.positionals.length > most) {
    // The usage line names the positionals (`SPEC`, `TOOL.cwl`): say which one is missing or extra.
    const names = command.usage.split(' ').slice(2).filter((word) => /^[A-Z][A-Z0-9._]*$/.test(word));
    const named = names.length > 0 ? ` (${names.join(' ')})` : '';
    const expected = most === 0 ? 'no arguments' : `${fewest === most ? fewest : `${fewest} to ${most}`} argument${most > 1 ? 's' : ''}${named}`;
    err(
      safe`taskres ${name}: expected ${expected}, received ${parsed.positionals.length}.`,
      safe`Usage: ${command.usage}`,
    );
    return 2;
  }
  try {
    return await command.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
  } catch (error) {
    // A script that asked for JSON reads stdout: a failure with a code (a spec's problem at
    // definition, the function's failure) is written there too, as the one record it parses
    // (one line where the output is JSON Lines), besides the usual line on stderr.
    if (parsed.values.format === 'json' && isTaskresError(error)) {
      const record = { error: { code: error.code, message: error.message } };
      out(typeof parsed.values.requests === 'string' ? jsonLine(record) : json(record));
    }
    return reportFailure(name, command, error);
  }
}

/** One line for anything a command threw, never a stack trace; returns the exit code. */
function reportFailure(name: string, command: Command | undefined, error: unknown): number {
  const prefix = command ? `taskres ${name}` : 'taskres';
  if (error instanceof UsageError) {
    err(safe`${prefix}: ${error.message}`, ...(command ? [safe`Usage: ${command.usage}`] : []));
    return 2;
  }
  if (error instanceof SpecError) {
    err(safe`${prefix}: ${error.message}`);
    return 1;
  }
  if (isTaskresError(error)) {
    err(safe`${prefix}: ${error.code}: ${error.message}`);
    return 1;
  }
  // A bug or an input nobody foresaw (e.g. a stack overflow on a deeply nested spec): still one
  // escaped line; TASKRES_DEBUG=1 adds the stack for whoever is fixing it.
  err(safe`${prefix}: unexpected error (a bug in taskres, or an input it does not handle): ${describeThrown(error)}`);
  if (process.env.TASKRES_DEBUG) err(safe`${error instanceof Error ? (error.stack ?? '') : ''}`);
  else err(safe`(set TASKRES_DEBUG=1 to see where it came from)`);
  return 1;
}

// Whatever escapes a command later (a module spec's timer, a stray rejection) is reported the
// same way, so nothing reaches the terminal raw; then the process ends as Node would have ended it.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => process.exit(reportFailure('', undefined, error)));
}

process.exitCode = await main(process.argv.slice(2));
