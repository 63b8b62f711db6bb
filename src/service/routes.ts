/** The routes of the service. Handlers validate with zod (the resolve routes' common shapes without it: ./fast-validate.ts), answer with plain objects, and throw problems. */
import { isTaskresError, type Resolver } from 'taskres';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Admission } from './admission.js';
import type { ServiceMetrics } from './metrics.js';
import type { ServeConfig } from './options.js';
import { problem, problemFromError } from './problems.js';
import type { RequestWork, Resolution } from './resolution.js';
import { CheckBody, ResolveBody, ResolveManyBody } from './schemas.js';
import type { SpecChecker } from './spec-checker.js';
import type { TaskCatalog } from './tasks.js';
import { ProblemError, checkItemCount, validate } from './validate.js';
import { registerCwlRoutes } from './cwl-routes.js';
import { boundOutcomes, detailBudgetChars, requestCharsOf } from './answer-size.js';
import { isPlainBatch, isPlainItem } from './fast-validate.js';

/** What the routes work with. */
export interface RouteDeps {
  config: ServeConfig;
  resolver: Resolver;
  resolution: Resolution;
  catalog: TaskCatalog;
  /** Checks specs in a worker thread with a deadline. */
  checker: SpecChecker;
  admission: Admission;
  metrics: ServiceMetrics;
  /** The OpenAPI document (built on first use: it is not needed to start). */
  openapi(): Record<string, unknown>;
  /** True when /readyz should answer 200. */
  isReady(): boolean;
  /** Called with every resolution outcome code (`ok` or TASKRES_*). */
  onOutcome(code: string): void;
}

/** Problems `/v1/check` lists per spec; the rest are counted in `omitted`. */
export const MAX_PROBLEMS_PER_SPEC = 30;

/** Seconds a client should wait after a 429 or 503. */
export const RETRY_AFTER_SECONDS = { overloaded: 1, unavailable: 5 } as const;

/** Registers every route on `app`. */
export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { config, resolution, catalog, metrics } = deps;

  app.post('/v1/resolve', async (request, reply) => {
    const body = isPlainItem(request.body) ? request.body : validate(ResolveBody, request.body, request.id);
    return admitted(request, reply, deps, 1, '/v1/resolve', async (work) => {
      try {
        const resources = await resolution.one(body, work, request.caller);
        deps.onOutcome('ok');
        return { resources, warnings: [] };
      } catch (error) {
        const found = resolution.problem(error, request.id, work);
        deps.onOutcome(found.code);
        throw new ProblemError(found, retryHeaders(found.status));
      }
    });
  });

  app.post('/v1/resolve-many', async (request, reply) => {
    const body = isPlainBatch(request.body) ? request.body : validate(ResolveManyBody, request.body, request.id);
    checkItemCount(body.items.length, config.maxItems, request.id);
    return admitted(request, reply, deps, body.items.length, '/v1/resolve-many', async (work) => {
      const outcomes = await resolution.many(body.items, request.id, work, request.caller);
      for (const outcome of outcomes) deps.onOutcome(outcome.status === 'fulfilled' ? 'ok' : outcome.error.code);
      return { outcomes: boundOutcomes(outcomes, requestCharsOf(request)) };
    });
  });

  app.post('/v1/check', async (request) => {
    const body = validate(CheckBody, request.body, request.id);
    const specs = Array.isArray(body.spec) ? body.spec : [body.spec];
    if (specs.length > config.maxItems) {
      throw new ProblemError(problem('TASKRES_TOO_LARGE', `body.spec holds ${specs.length} specs; this server takes at most ${config.maxItems} per request (--max-items).`, request.id));
    }
    // Checked off the event loop with a deadline; the answer is capped per spec and in all, to
    // a small multiple of the request (a spec of 100,000 unknown options once got 57 times
    // its size back), and says how many problems it left out.
    try {
      const { problems, omitted } = await deps.checker.run({ kind: 'check', specsJson: specs.map(jsonOrNull), maxProblemsPerSpec: MAX_PROBLEMS_PER_SPEC, maxAnswerChars: detailBudgetChars(requestCharsOf(request)) });
      return { ok: problems.length === 0 && omitted === 0, problems, omitted };
    } catch (error) {
      if (isTaskresError(error)) throw new ProblemError(problemFromError(error, request.id));
      throw error;
    }
  });

  registerCwlRoutes(app, deps, { admitted, retryHeaders });

  app.get('/v1/tasks', async () => ({ tasks: catalog.tasks().map((task) => task.toJSON()) }));

  app.get('/v1/openapi.json', async () => deps.openapi());

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if (deps.isReady()) return { status: 'ready' };
    reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS.unavailable));
    return { status: 'not ready' };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

/**
 * Runs `work` for `count` resolutions if admission allows, answering 429 when it does not and
 * 503 when the answer is not ready within --request-timeout-ms. The admitted count is released
 * when the work really ends, so a timed-out request still counts against the queue meanwhile.
 */
async function admitted<T>(request: FastifyRequest, reply: FastifyReply, deps: RouteDeps, count: number, route: string, work: (work: RequestWork) => Promise<T>): Promise<T> {
  const { admission, metrics, config } = deps;
  // A caller whose work stopped the sandbox too often lately waits (./stop-record.ts): checked
  // before admission, so a refused request holds nothing.
  const refusedMs = deps.resolution.stops.refusedForMs(request.caller);
  if (refusedMs > 0) {
    metrics.rejected.inc();
    const seconds = Math.ceil(refusedMs / 1000);
    throw new ProblemError(
      problem(
        'TASKRES_OVERLOADED',
        `Work of this caller stopped the sandbox ${deps.resolution.stops.limit} times within ${config.sandboxStopWindowMs} ms (a wedge or memory overrun each; --sandbox-stop-limit, --sandbox-stop-window-ms); its requests are refused for ${seconds} s.`,
        request.id,
      ),
      { 'retry-after': String(seconds) },
    );
  }
  if (!admission.tryAdmit(count)) {
    metrics.rejected.inc();
    throw new ProblemError(
      problem('TASKRES_OVERLOADED', `This server has ${admission.size} resolutions admitted and takes at most ${config.maxQueue} (--max-queue); retry after ${RETRY_AFTER_SECONDS.overloaded} s, or send to another replica.`, request.id),
      { 'retry-after': String(RETRY_AFTER_SECONDS.overloaded) },
    );
  }
  const stop = metrics.latency.startTimer({ route });
  // Work nobody waits for any more is not run: see RequestWork. It carries its caller's group.
  const requestWork = deps.resolution.begin(request.caller);
  const gone = () => {
    if (!reply.raw.writableFinished) requestWork.abort('disconnected');
  };
  reply.raw.once('close', gone);
  // The request's age counts: its body may have taken a while to arrive.
  const leftMs = Math.max(1, config.requestTimeoutMs - Math.round(reply.elapsedTime));
  // One promise settled by whichever comes first, the work or the deadline (no race of two
  // promises and a finally per request); the admitted count is released when the work ends.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      requestWork.abort('deadline');
      metrics.rejected.inc();
      const found = { ...problem('TASKRES_OVERLOADED', `The answer was not ready within ${config.requestTimeoutMs} ms (--request-timeout-ms); the server is busy. Retry after ${RETRY_AFTER_SECONDS.unavailable} s.`, request.id), status: 503 };
      reject(new ProblemError(found, { 'retry-after': String(RETRY_AFTER_SECONDS.unavailable) }));
    }, leftMs);
    const ended = () => {
      clearTimeout(timer);
      reply.raw.off('close', gone);
      deps.resolution.callers.leave(request.caller, requestWork);
      admission.release(count);
      stop();
    };
    work(requestWork).then(
      (value) => {
        ended();
        resolve(value);
      },
      (error: unknown) => {
        ended();
        reject(error);
      },
    );
  });
}

/** `value` as JSON text, or null when it nests too deeply to print (the stack runs out). */
function jsonOrNull(value: unknown): string | null {
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return null;
  }
}

/** Retry-After for statuses that ask the client to come back. */
export function retryHeaders(status: number): Record<string, string> {
  return status === 429 ? { 'retry-after': String(RETRY_AFTER_SECONDS.overloaded) } : status === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS.unavailable) } : {};
}
