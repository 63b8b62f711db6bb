/**
 * Prometheus metrics, with prom-client, in a registry of the server's own (two servers in one
 * process do not share counts). Labels never carry task names or anything a caller sent,
 * except outcome codes and route patterns, which are fixed sets.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's metrics. */
export class ServiceMetrics {
  readonly registry = new Registry();
  /** Resolutions (one per resolve, one per resolve-many item) by outcome: `ok` or the TASKRES_* code. */
  readonly evaluations = new Counter({
    name: 'taskres_evaluations_total',
    help: 'Resolutions by outcome: ok, or the TASKRES_* error code',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  /** Time from a request's admission to its resources, per route. */
  readonly latency = new Histogram({
    name: 'taskres_resolution_duration_seconds',
    help: 'Time to answer a resolve or resolve-many request, from admission to answer',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  /** Resolutions admitted and not yet answered. */
  readonly queueDepth = new Gauge({ name: 'taskres_queue_depth', help: 'Resolutions admitted and not yet answered', registers: [this.registry] });
  /** Requests refused for load (429/503 with Retry-After). */
  readonly rejected = new Counter({ name: 'taskres_overload_rejections_total', help: 'Requests refused because the queue was full or the answer took too long', registers: [this.registry] });
  /** HTTP responses by route pattern and status. */
  readonly responses = new Counter({
    name: 'taskres_http_responses_total',
    help: 'HTTP responses by route pattern and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });

  /**
   * @param sandboxStarts reads how many sandbox processes the resolver has started.
   * @param specCache reads the inline-spec cache's hits and misses.
   */
  constructor(sandboxStarts: () => number, specCache: () => { hits: number; misses: number } = () => ({ hits: 0, misses: 0 })) {
    collectDefaultMetrics({ register: this.registry, prefix: 'taskres_' });
    // Hits come only from a caller's own earlier specs: the cache is keyed by caller.
    new Counter({
      name: 'taskres_inline_spec_cache_total',
      help: "Inline specs answered from the cache (result=hit: the same caller sent it before) or checked (result=miss)",
      labelNames: ['result'] as const,
      registers: [this.registry],
      collect() {
        const { hits, misses } = specCache();
        this.reset();
        this.inc({ result: 'hit' }, hits);
        this.inc({ result: 'miss' }, misses);
      },
    });
    // A counter (it only grows; rate() and increase() work on it), brought up to date with
    // the resolver's count at each scrape.
    let counted = 0;
    new Counter({
      name: 'taskres_sandbox_restarts_total',
      help: 'Times the sandbox process was restarted (after a crash, a memory overrun or a wedged worker)',
      registers: [this.registry],
      collect() {
        const restarts = Math.max(0, sandboxStarts() - 1);
        if (restarts > counted) this.inc(restarts - counted);
        counted = Math.max(counted, restarts);
      },
    });
  }
}
