/**
 * `taskres serve`: the command-table entry of src/cli/main.ts (the service itself is src/service/;
 * it never imports the CLI). Prints one JSON line with the
 * bound address on stdout once listening (clients and tests read it); logs go to stderr.
 */
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from '../loading/errors.js';
import { ServeOptionsError, optionsFromFlags } from '../service/options.js';
import { packageInfo } from './doctor.js';
import { err, out, safe } from './output.js';

/** The entry of `serve` in the CLI's command table. */
export const serveCommand = {
  summary: 'run the resolver as an HTTP JSON service (OpenAPI at /v1/openapi.json)',
  usage: 'taskres serve [--host 127.0.0.1] [--port 8080] [--tasks SPEC]… [--files-root DIR] [--token-file F] [options]',
  details:
    'Serves POST /v1/resolve, /v1/resolve-many, /v1/check, GET /v1/tasks, /v1/openapi.json, /healthz, /readyz\nand /metrics. Prints {"listening": URL, ...} as one JSON line on stdout once bound; logs are JSON on\nstderr. SIGTERM: /readyz turns 503 for --drain-delay-ms, then the listener closes, requests in flight\nare answered and the exit code is 0 (SIGINT: the same without the delay; repeated signals are ignored).\nSee docs/service.md.',
  options: {
    help: { type: 'boolean', short: 'h' },
    host: { type: 'string' },
    port: { type: 'string', short: 'p' },
    tasks: { type: 'string', short: 't', multiple: true },
    'files-root': { type: 'string' },
    'token-file': { type: 'string' },
    threads: { type: 'string' },
    'timeout-ms': { type: 'string' },
    'memory-limit-mib': { type: 'string' },
    'body-limit-bytes': { type: 'string' },
    'max-items': { type: 'string' },
    'request-timeout-ms': { type: 'string' },
    'max-queue': { type: 'string' },
    'log-level': { type: 'string' },
    'drain-delay-ms': { type: 'string' },
    'spec-check-timeout-ms': { type: 'string' },
    'sandbox-stop-limit': { type: 'string' },
    'sandbox-stop-window-ms': { type: 'string' },
  } satisfies NonNullable<ParseArgsConfig['options']>,
  optionHelp: {
    help: 'print this help',
    host: 'interface to bind (default 127.0.0.1: loopback only; 0.0.0.0 for every interface, e.g. in a container)',
    port: 'TCP port (default 8080; 0 picks a free port, printed on stdout)',
    tasks: 'a JSON task spec (or array) or a JS/TS module of tasks, callable by name; repeat for more',
    'files-root': 'directory under which { "$file": path } without "size" is allowed; without it every file must carry its size',
    'token-file': 'file of bearer tokens, one per line (each at least 16 characters, each a caller), one of which every /v1 request must send',
    threads: 'worker threads of the sandbox pool (default: CPU count, at most 4)',
    'timeout-ms': 'per resource-function evaluation, in milliseconds (default 1000)',
    'memory-limit-mib': 'heap cap of each isolate, in MiB (default 32)',
    'body-limit-bytes': 'largest request body, in bytes (default 1048576; larger is 413)',
    'max-items': 'most items per resolve-many request and specs per check (default 1000; more is 413)',
    'request-timeout-ms': 'longest a request may take to arrive and be answered, in ms (default 30000; then 503 with Retry-After)',
    'max-queue': 'most resolutions admitted at once (default 10000; past it 429 with Retry-After)',
    'log-level': 'fatal, error, warn, info (default), debug, trace or silent',
    'spec-check-timeout-ms': 'longest the check of an inline spec (in a worker thread) may take, in ms (default 5000; then 400)',
    'sandbox-stop-limit': 'sandbox stops charged to one caller within --sandbox-stop-window-ms after which its requests get 429 with Retry-After (default 2 with --token-file, else 0: never)',
    'sandbox-stop-window-ms': 'how long a sandbox stop stays on its caller\'s record, in ms (default 60000)',
    'drain-delay-ms': 'after SIGTERM, how long /readyz answers 503 before the listener closes, in ms (default 5000; SIGINT does not wait)',
  } as Readonly<Record<string, string>>,
  positionals: 0,
  run: async (values: Record<string, string | boolean | undefined>): Promise<number> => {
    // Loaded here, not with the CLI: the other commands need neither Fastify nor prom-client.
    const { closeOnSignal, startServer } = await import('../service/lifecycle.js');
    let server;
    try {
      server = await startServer(optionsFromFlags(values as Record<string, string | boolean | string[] | undefined>), { version: packageInfo().version });
    } catch (error) {
      if (error instanceof ServeOptionsError) throw new UsageError(error.message);
      if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`cannot listen: the address is in use (${values.host ?? '127.0.0.1'}:${values.port ?? 8080}); choose another --port`);
      throw error;
    }
    // One line (clients read it line by line); json() would lay it out over several.
    out(safe`${JSON.stringify({ listening: server.url, host: server.host, port: server.port })}`);
    // Inline specs are strangers' code: reachable from the network without a token, anyone who
    // reaches the address can make this server run it. Allowed (a private network may be the
    // boundary), but never silently.
    if (values['token-file'] === undefined && !isLoopback(server.host)) {
      err(safe`taskres serve: listening on ${server.host} without --token-file: anyone who reaches this address can resolve and check specs (strangers' code); give --token-file FILE, or --host 127.0.0.1 for this machine only.`);
    }
    await closeOnSignal(server, server.drainDelayMs);
    return 0;
  },
};

/** True for an address only this machine can reach. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
