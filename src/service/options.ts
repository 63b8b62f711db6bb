/** Options of `taskres serve`: validated once, here, with zod; unknown options are rejected. */
import { z } from 'zod';
import { formatIssues, listKeys } from '../core/text.js';
import { DEFAULT_SANDBOX_STOP_WINDOW_MS } from './stop-record.js';

/** What `taskres serve` (and {@link createServer}) accepts. Every option is optional. */
export interface ServeOptions {
  /** Interface to bind. Default `127.0.0.1` (loopback: nothing outside the machine reaches it). */
  host?: string;
  /** TCP port; 0 picks a free one. Default 8080. */
  port?: number;
  /** JSON task specs or JS/TS modules of tasks, callable by name. */
  tasks?: string[];
  /** Directory under which size-less `$file` paths are allowed (resolved inside it). */
  filesRoot?: string;
  /** File holding the bearer token every `/v1` request must carry. */
  tokenFile?: string;
  /** Resolver: worker threads of the sandbox pool. */
  threads?: number;
  /** Resolver: time one resource-function evaluation may take, in ms. Default 1000. */
  timeoutMs?: number;
  /** Resolver: heap cap of each isolate, in MiB. Default 32. */
  memoryLimitMiB?: number;
  /** Largest request body, in bytes. Default 1 MiB. */
  bodyLimitBytes?: number;
  /** Most items in one resolve-many request (and specs in one check). Default 1000. */
  maxItems?: number;
  /** Longest a request may take, from its first byte to its answer, in ms. Default 30000. */
  requestTimeoutMs?: number;
  /** Most evaluations admitted at once (in flight or queued); past it requests get 429. Default 10000. */
  maxQueue?: number;
  /** pino log level: fatal, error, warn, info, debug, trace or silent. Default info. */
  logLevel?: string;
  /**
   * After SIGTERM, how long `/readyz` answers 503 (and new work is refused) before the
   * listener closes, so that load balancers see the replica leave before its port does.
   * Default 5000; SIGINT (Ctrl-C) does not wait.
   */
  drainDelayMs?: number;
  /** Longest the check of one inline spec (or one /v1/check request) may take in its worker thread, in ms; past it the spec is refused. Default 5000. */
  specCheckTimeoutMs?: number;
  /**
   * Sandbox stops (a wedge or memory overrun charged to a caller's work) a caller may cause
   * within `sandboxStopWindowMs`; at this many, its new requests get 429 with Retry-After until
   * the oldest leaves the window. 0 never refuses. Default 2 with `tokenFile`; without it, 0
   * (every client is then one caller, and two stops by anyone would refuse everyone).
   */
  sandboxStopLimit?: number;
  /** How long a sandbox stop stays on its caller's record, in ms. Default 60000. */
  sandboxStopWindowMs?: number;
}

const whole = (min: number, max: number) => z.number().int().min(min).max(max);

/** The schema of {@link ServeOptions}. */
export const SERVE_OPTIONS = z.strictObject({
  host: z.string().min(1).max(255).default('127.0.0.1'),
  port: whole(0, 65_535).default(8080),
  tasks: z.array(z.string().min(1)).default([]),
  filesRoot: z.string().min(1).optional(),
  tokenFile: z.string().min(1).optional(),
  threads: whole(1, 64).optional(),
  timeoutMs: whole(1, 600_000).optional(),
  memoryLimitMiB: whole(8, 16_384).optional(),
  bodyLimitBytes: whole(1024, 1024 * 1024 * 1024).default(1024 * 1024),
  maxItems: whole(1, 1_000_000).default(1000),
  requestTimeoutMs: whole(100, 3_600_000).default(30_000),
  maxQueue: whole(1, 10_000_000).default(10_000),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  drainDelayMs: whole(0, 600_000).default(5000),
  specCheckTimeoutMs: whole(1, 600_000).default(5000),
  sandboxStopLimit: whole(0, 1000).optional(),
  sandboxStopWindowMs: whole(1, 86_400_000).default(DEFAULT_SANDBOX_STOP_WINDOW_MS),
});

/** Options after validation, defaults applied. */
export type ServeConfig = z.output<typeof SERVE_OPTIONS>;

/** A problem with the options: the CLI prints it as a usage error. */
export class ServeOptionsError extends Error {}

/** Validates options; throws {@link ServeOptionsError} naming every problem. */
export function parseServeOptions(input: unknown): ServeConfig {
  const parsed = SERVE_OPTIONS.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const details = formatIssues(parsed.error.issues, {
    root: 'options',
    describe: (issue) => (issue.code === 'unrecognized_keys' ? `unknown option ${listKeys(issue.keys)}` : undefined),
  });
  throw new ServeOptionsError(`invalid serve options: ${details}`);
}

/** Flag names of `taskres serve` and the option each sets. */
export const SERVE_FLAGS = {
  host: 'host',
  port: 'port',
  tasks: 'tasks',
  'files-root': 'filesRoot',
  'token-file': 'tokenFile',
  threads: 'threads',
  'timeout-ms': 'timeoutMs',
  'memory-limit-mib': 'memoryLimitMiB',
  'body-limit-bytes': 'bodyLimitBytes',
  'max-items': 'maxItems',
  'request-timeout-ms': 'requestTimeoutMs',
  'max-queue': 'maxQueue',
  'log-level': 'logLevel',
  'drain-delay-ms': 'drainDelayMs',
  'spec-check-timeout-ms': 'specCheckTimeoutMs',
  'sandbox-stop-limit': 'sandboxStopLimit',
  'sandbox-stop-window-ms': 'sandboxStopWindowMs',
} as const satisfies Record<string, keyof ServeOptions>;

const NUMERIC = new Set<keyof ServeOptions>(['port', 'threads', 'timeoutMs', 'memoryLimitMiB', 'bodyLimitBytes', 'maxItems', 'requestTimeoutMs', 'maxQueue', 'drainDelayMs', 'specCheckTimeoutMs', 'sandboxStopLimit', 'sandboxStopWindowMs']);

/** Turns parsed command-line values (strings) into {@link ServeOptions}; numbers must be whole. */
export function optionsFromFlags(values: Record<string, string | boolean | string[] | undefined>): ServeOptions {
  const options: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(SERVE_FLAGS)) {
    const value = values[flag];
    if (value === undefined) continue;
    if (NUMERIC.has(key)) {
      const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
      if (!Number.isSafeInteger(number)) throw new ServeOptionsError(`--${flag} must be a whole number, received '${String(value).slice(0, 40)}'`);
      options[key] = number;
    } else options[key] = value;
  }
  return options as ServeOptions;
}
