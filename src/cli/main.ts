/**
 * The `taskres` command. Run through bin/taskres.js, which adds the Node flag isolated-vm needs.
 *
 *   taskres demo                                   the seed's tasks, resolved and placed
 *   taskres resolve SPEC --args ARGS.json [--task NAME] [--format json|table]
 *   taskres check SPEC                             every definition-time problem at once
 *   taskres bench [--json] [--quick]               the benchmark
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import Table from 'cli-table3';
import { runDemo } from './demo.js';
import { checkTaskSpec, createResolver, isTaskresError, toKubernetesResources, type Resources } from './library.js';
import { UsageError, isModulePath, loadModuleTasks, loadTasks, pickTask, readArgs, readSpecs } from './load.js';

interface Command {
  summary: string;
  usage: string;
  details: string;
  options: NonNullable<ParseArgsConfig['options']>;
  positionals: number;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

const commands: Record<string, Command> = {
  demo: {
    summary: "resolve the seed's example tasks in the sandbox and place them on the default node pools",
    usage: 'taskres demo',
    details: 'Creates sample input files in a temp dir (removed afterwards), resolves every example task\nin the sandbox, places them with the allocator, prints the Kubernetes resources of one task,\nand shows hostile functions being stopped while the others still resolve.',
    options: { ...HELP_OPTION },
    positionals: 0,
    run: async () => runDemo(),
  },
  resolve: {
    summary: "compute a task's resources for given arguments",
    usage: 'taskres resolve SPEC --args ARGS.json [--task NAME] [--format json|table]',
    details:
      'SPEC is a JSON task spec (the defineTask shape, or an array of them) or a JS/TS module of tasks.\nARGS.json holds the task parameters; files are written { "$file": "path" } (relative to ARGS.json).\nPrints the resources as JSON (or a table). Exit code 1 with the error code on failure.',
    options: {
      ...HELP_OPTION,
      args: { type: 'string', short: 'a' },
      task: { type: 'string', short: 't' },
      format: { type: 'string', short: 'f', default: 'json' },
      'timeout-ms': { type: 'string' },
    },
    positionals: 1,
    run: async (values, [spec]) => {
      const format = values.format as string;
      if (format !== 'json' && format !== 'table') throw new UsageError(`--format must be json or table, received '${format}'`);
      if (typeof values.args !== 'string') throw new UsageError('--args ARGS.json is required (the task parameters as JSON)');
      const timeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
      if (timeoutMs !== undefined && !Number.isInteger(timeoutMs)) throw new UsageError(`--timeout-ms must be a whole number of milliseconds, received '${values['timeout-ms']}'`);
      const task = pickTask(await loadTasks(spec!), values.task as string | undefined, spec!);
      const args = readArgs(values.args);
      const resolver = createResolver(timeoutMs === undefined ? {} : { timeoutMs });
      try {
        const resources = await resolver.resolve(task, args);
        process.stdout.write(format === 'json' ? `${JSON.stringify(resources, null, 2)}\n` : `${resourceTable(task.taskName, resources)}\n`);
        return 0;
      } catch (error) {
        if (isTaskresError(error) && format === 'json') process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message } }, null, 2)}\n`);
        throw error;
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
    positionals: 1,
    run: async (_values, [spec]) => {
      if (isModulePath(spec!)) {
        // A module's tasks are checked when the module defines them: loading it runs every check.
        const found = await loadModuleTasks(spec!);
        process.stdout.write(`${spec}: ${found.length} task${found.length === 1 ? '' : 's'} OK (${found.map((f) => f.task.taskName).join(', ')})\n`);
        return 0;
      }
      let problems = 0;
      for (const entry of readSpecs(spec!)) {
        const name = typeof (entry as { name?: unknown })?.name === 'string' ? (entry as { name: string }).name : '(unnamed)';
        const found = checkTaskSpec(entry);
        problems += found.length;
        if (found.length === 0) process.stdout.write(`✓ ${name}\n`);
        else {
          process.stdout.write(`✗ ${name}: ${found.length} problem${found.length > 1 ? 's' : ''}\n`);
          for (const problem of found) process.stdout.write(`  ${problem.code}${problem.resource ? ` [${problem.resource}]` : ''}: ${problem.message}\n`);
        }
      }
      return problems === 0 ? 0 : 1;
    },
  },
  bench: {
    summary: 'measure resolution throughput and latency against the baselines',
    usage: 'taskres bench [--json] [--quick]',
    details: 'Prints one table per scenario with ops/s, p50/p99 latency, peak RSS and the ratio to the\nin-process baseline, all measured in the same run. --json prints the results as JSON;\n--quick runs 5% of the iterations (a smoke run, not for comparisons).',
    options: { ...HELP_OPTION, json: { type: 'boolean' }, quick: { type: 'boolean' } },
    positionals: 0,
    run: async (values) => {
      const script = fileURLToPath(new URL('./bench.js', import.meta.url));
      const flags = [values.json ? '--json' : '', values.quick ? '--quick' : ''].filter(Boolean);
      const child = spawn(process.execPath, ['--no-node-snapshot', '--expose-gc', script, ...flags], { stdio: 'inherit' });
      return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
    },
  },
};

function resourceTable(taskName: string, resources: Resources): string {
  const table = new Table({ head: ['task', 'cpu', 'memory GiB', 'storage GiB', 'gpu', 'Kubernetes requests'], style: { head: [], border: [] } });
  const k8s = toKubernetesResources(resources).requests;
  table.push([taskName, resources.cpu, resources.memory, resources.storage, `${resources.gpu}${resources.gpuType ? ` ${resources.gpuType}` : ''}`, Object.entries(k8s).map(([k, v]) => `${k}: ${v}`).join('\n')]);
  return table.toString();
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'taskres: resource requests for workflow tasks, with resource functions run in a sandbox.',
    '',
    'Usage: taskres <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'taskres <command> --help' for a command's options.",
  ].join('\n');
}

function commandHelp(name: string, command: Command): string {
  const options = Object.entries(command.options).map(([option, spec]) => `  --${option}${'short' in spec && spec.short ? `, -${spec.short}` : ''}${spec.type === 'string' ? ' VALUE' : ''}`);
  return [`Usage: ${command.usage}`, '', command.details, '', 'Options:', ...options].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`taskres: unknown command '${name}'. Valid commands: ${Object.keys(commands).join(', ')}.\n\n${mainHelp()}\n`);
    return 2;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    const valid = Object.keys(command.options).map((o) => `--${o}`).join(', ');
    process.stderr.write(`taskres ${name}: ${(error as Error).message.split('\n')[0]}. Valid options: ${valid}.\nUsage: ${command.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${commandHelp(name, command)}\n`);
    return 0;
  }
  if (parsed.positionals.length !== command.positionals) {
    process.stderr.write(`taskres ${name}: expected ${command.positionals === 0 ? 'no arguments' : `${command.positionals} argument${command.positionals > 1 ? 's' : ''}`}, received ${parsed.positionals.length}.\nUsage: ${command.usage}\n`);
    return 2;
  }
  try {
    return await command.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`taskres ${name}: ${error.message}\nUsage: ${command.usage}\n`);
      return 2;
    }
    if (isTaskresError(error)) {
      process.stderr.write(`taskres ${name}: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
