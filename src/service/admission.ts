/**
 * Backpressure: at most `maxQueue` resolutions admitted at once (running or waiting for the
 * sandbox). A request that would go past it is refused at once with 429 and Retry-After,
 * rather than queueing without bound and answering late for everyone.
 */
import type { ServiceMetrics } from './metrics.js';

/** Counts admitted resolutions. */
export class Admission {
  private depth = 0;

  constructor(
    private readonly maxQueue: number,
    private readonly metrics: ServiceMetrics,
  ) {}

  /** Admits `count` resolutions, or returns false when that would pass the bound. A lone request larger than the bound is still admitted when nothing else runs. */
  tryAdmit(count: number): boolean {
    if (this.depth > 0 && this.depth + count > this.maxQueue) return false;
    this.depth += count;
    this.metrics.queueDepth.set(this.depth);
    return true;
  }

  /** Releases resolutions admitted earlier, once they are answered (or given up on). */
  release(count: number): void {
    this.depth -= count;
    this.metrics.queueDepth.set(this.depth);
  }

  /** Resolutions admitted now. */
  get size(): number {
    return this.depth;
  }
}
