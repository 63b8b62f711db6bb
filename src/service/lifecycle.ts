/**
 * Starting and stopping the service: load tasks, start the resolver and the application,
 * probe the sandbox for readiness, and drain on shutdown (readiness turns false, requests in
 * flight are answered, then the resolver closes).
 */
import { createResolver, defineTask, type Resolver, type ResolverOptions } from 'taskres';
import type { FastifyInstance } from 'fastify';
import { loadTasks } from '../loading/specs.js';
import type { FoundTask } from '../loading/task-lookup.js';
import { Admission } from './admission.js';
import { setTimeout as delay } from 'node:timers/promises';
import { bearerCheck, readTokens } from './auth.js';
import { FAIR_WINDOW_PER_THREAD, FairShare } from './fair-share.js';
import { RequestFiles } from './files-root.js';
import { openApiDocument } from './openapi.js';
import { parseServeOptions, type ServeConfig, type ServeOptions } from './options.js';
import { Resolution } from './resolution.js';
import { SpecChecker } from './spec-checker.js';
import { DEFAULT_SANDBOX_STOP_LIMIT, StopRecord } from './stop-record.js';
import { TaskCatalog } from './tasks.js';

/** A running service; see {@link startServer}. */
export interface TaskresServer {
  /** The bound address, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The Fastify instance (for `inject` in tests of your own). */
  readonly app: FastifyInstance;
  /** Settles once the first readiness probe of the sandbox has run; true when it passed. */
  readonly ready: Promise<boolean>;
  /** After SIGTERM, how long /readyz answers 503 before the listener closes (--drain-delay-ms). */
  readonly drainDelayMs: number;
  /**
   * Drains: /readyz turns 503 and new work is refused; after `readinessDelayMs` (default 0)
   * the listener closes, work in flight is answered, then the sandbox stops. Calling it again
   * returns the same drain.
   */
  close(options?: { readinessDelayMs?: number }): Promise<void>;
}

/** Everything but listening: for {@link startServer} and for tests. */
export async function createServer(
  options: ServeOptions,
  extra: { version?: string; logStream?: NodeJS.WritableStream } = {},
): Promise<{ app: FastifyInstance; config: ServeConfig; resolver: Resolver; checker: SpecChecker; state: ServiceState; firstProbe: Promise<boolean>; probe(): Promise<boolean> }> {
  const config = parseServeOptions(options);
  const loaded: FoundTask[] = [];
  for (const spec of config.tasks) loaded.push(...(await loadTasks(spec)));
  const identify = config.tokenFile === undefined ? undefined : bearerCheck(readTokens(config.tokenFile));
  const files = new RequestFiles(config.filesRoot);
  const checker = new SpecChecker(config.specCheckTimeoutMs);
  const catalog = new TaskCatalog(loaded, checker);
  const resolverOptions: ResolverOptions = {
    // Hints name the fix as an HTTP client writes it ({ "$file": ..., "size": bytes }).
    hintsFor: 'http',
    ...(config.threads === undefined ? {} : { threads: config.threads }),
    ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
    ...(config.memoryLimitMiB === undefined ? {} : { memoryLimitMiB: config.memoryLimitMiB }),
  };
  const resolver = createResolver(resolverOptions);
  const state = new ServiceState(resolver);
  // The sandbox process boots, and the first readiness probe waits for it, while Fastify and
  // prom-client load here (about half of the start time): on two cores the two overlap.
  const firstProbe = state.probe();
  let loadedHttp: [typeof import('./app.js'), typeof import('./metrics.js')];
  try {
    loadedHttp = await Promise.all([import('./app.js'), import('./metrics.js')]);
  } catch (error) {
    await resolver.close();
    throw error;
  }
  const [{ buildApp }, { ServiceMetrics }] = loadedHttp;
  const metrics = new ServiceMetrics(() => resolver.sandboxStarts, () => catalog.counts);
  let openapi: Record<string, unknown> | undefined;
  const app = buildApp({
    config,
    resolver,
    resolution: new Resolution(resolver, catalog, files, new FairShare(FAIR_WINDOW_PER_THREAD * resolver.options.threads), new StopRecord(stopLimitOf(config), config.sandboxStopWindowMs)),
    catalog,
    checker,
    admission: new Admission(config.maxQueue, metrics),
    metrics,
    openapi: () => (openapi ??= openApiDocument(extra.version ?? '0.0.0')),
    isReady: () => state.ready && !state.draining,
    isDraining: () => state.draining,
    onOutcome: (code) => {
      metrics.evaluations.inc({ outcome: code });
      if (code === 'TASKRES_SANDBOX_UNAVAILABLE') void state.probe();
    },
    identify,
    logStream: extra.logStream ?? process.stderr,
  });
  return { app, config, resolver, checker, state, firstProbe, probe: () => state.probe() };
}

/** Readiness and draining. */
export class ServiceState {
  ready = false;
  draining = false;
  private probing: Promise<boolean> | undefined;
  // A task with one trivial function: resolving it proves the sandbox runs functions.
  private readonly probeTask = defineTask({ name: 'taskres_readiness_probe', params: [], resources: { cpu: '() => 1', memory: 1 } });

  constructor(private readonly resolver: Resolver) {}

  /**
   * Resolves the probe task (one probe at a time); readiness follows its outcome. A failed
   * probe is tried again every few seconds, since a server that is not ready gets no traffic
   * that could tell it the sandbox is back.
   */
  probe(): Promise<boolean> {
    this.ready = false;
    const probing = (this.probing ??= this.resolver.resolve(this.probeTask, {}).then(
      () => this.settle(true),
      () => this.settle(false),
    ));
    return probing;
  }

  private settle(ok: boolean): boolean {
    this.ready = ok;
    this.probing = undefined;
    if (!ok && !this.draining) setTimeout(() => void (this.draining || this.probe()), PROBE_RETRY_MS).unref();
    return ok;
  }
}

/** How long after a failed readiness probe the next one runs. */
const PROBE_RETRY_MS = 5000;

/** Starts the service and listens; see {@link TaskresServer}. */
export async function startServer(options: ServeOptions, extra: { version?: string; logStream?: NodeJS.WritableStream } = {}): Promise<TaskresServer> {
  const { app, config, resolver, checker, state, firstProbe } = await createServer(options, extra);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await resolver.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const ready = firstProbe;
  let closing: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    app,
    ready,
    drainDelayMs: config.drainDelayMs,
    close({ readinessDelayMs = 0 } = {}) {
      closing ??= (async () => {
        state.draining = true;
        // Readiness fails visibly (503) while the port is still open: a load balancer that
        // polls /readyz takes the replica out before connections to it would be refused.
        if (readinessDelayMs > 0) await delay(readinessDelayMs);
        // Answers in flight are bounded by --request-timeout-ms; past it (and a little more),
        // connections still open are cut rather than keeping the process alive.
        const force = setTimeout(() => app.server.closeAllConnections(), config.requestTimeoutMs + 2000);
        try {
          await app.close();
        } finally {
          clearTimeout(force);
          await Promise.all([resolver.close(), checker.close()]);
        }
      })();
      return closing;
    },
  };
}

/**
 * Drains `server` on the first SIGTERM or SIGINT (after SIGTERM, /readyz answers 503 for
 * `drainDelayMs` first) and resolves once it has closed. Later signals are ignored: init
 * systems, GNU timeout and a second Ctrl-C send more than one, and each would otherwise kill the
 * process with the requests in flight. Logs one line when the drain starts and one when it ends.
 */
export function closeOnSignal(server: TaskresServer, drainDelayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let draining = false;
    const stop = (signal: NodeJS.Signals) => {
      if (draining) return;
      draining = true;
      const startedAt = performance.now();
      const readinessDelayMs = signal === 'SIGTERM' ? drainDelayMs : 0;
      server.app.log.info({ signal, readinessDelayMs }, 'draining: /readyz answers 503, new work is refused, requests in flight will be answered');
      server.close({ readinessDelayMs }).then(() => {
        server.app.log.info({ ms: Math.round(performance.now() - startedAt) }, 'drained: every request in flight was answered and the sandbox stopped');
        resolve();
      }, reject);
    };
    // Left in place until the process exits: removing them would let a late signal kill it.
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/**
 * The stop record's limit: as given, else DEFAULT_SANDBOX_STOP_LIMIT when callers are told apart
 * by token, else 0. Without tokens every client is one caller, so a limit would let anyone's two
 * wedging requests refuse everyone for a window.
 */
function stopLimitOf(config: { sandboxStopLimit?: number | undefined; tokenFile?: string | undefined }): number {
  return config.sandboxStopLimit ?? (config.tokenFile === undefined ? 0 : DEFAULT_SANDBOX_STOP_LIMIT);
}
