/**
 * Each caller's record of the sandbox stops charged to its work, kept after its requests end
 * and forgotten with time. The resolver ranks a caller's work last after a stop it caused only
 * while the caller has requests in flight (src/service/resolution.ts CallerGroups); without
 * this record, a caller sending one wedging item per request, one request after another,
 * restarted the sandbox process with each (attack round 5: 5 restarts in 18 s). With it, a
 * caller charged with `limit` stops within the last `windowMs` has its new requests refused
 * (429 with Retry-After) until the oldest of them is `windowMs` old.
 *
 * A sliding window: each stop is forgotten `windowMs` after it was recorded. Only the latest
 * `limit` stops of a caller matter (the caller is refused while the oldest of them is inside
 * the window), so that is all that is kept: memory is bounded by callers × limit, and callers
 * whose stops are all forgotten are swept.
 */

/** Sandbox stops a caller may cause within the window before its requests are refused. */
export const DEFAULT_SANDBOX_STOP_LIMIT = 2;
/** How long a stop stays on its caller's record, in ms. */
export const DEFAULT_SANDBOX_STOP_WINDOW_MS = 60_000;

/** Per-caller stop records; see the module comment. */
export class StopRecord {
  /** Per caller, the times (ms, `now()`) of its latest stops, oldest first, at most `limit`. */
  private readonly stops = new Map<string, number[]>();
  private lastSweepMs: number;

  /**
   * @param limit stops within `windowMs` that get a caller refused; 0 never refuses.
   * @param windowMs how long a stop stays on the record.
   * @param now the clock, in ms (monotonic).
   */
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastSweepMs = now();
  }

  /** Records `count` stops charged to `caller`'s work, now. */
  add(caller: string, count: number): void {
    if (count <= 0 || this.limit === 0) return;
    const nowMs = this.now();
    this.sweep(nowMs);
    let times = this.stops.get(caller);
    if (!times) this.stops.set(caller, (times = []));
    for (let i = 0; i < count; i++) times.push(nowMs);
    if (times.length > this.limit) times.splice(0, times.length - this.limit);
  }

  /** How long `caller` must wait before its requests are taken again, in ms; 0 when they are taken now. */
  refusedForMs(caller: string): number {
    const times = this.stops.get(caller);
    if (!times || times.length < this.limit) return 0;
    const leftMs = times[0]! + this.windowMs - this.now();
    return leftMs > 0 ? leftMs : 0;
  }

  /** Forgets callers whose latest stop left the window; at most once per window (amortized O(1) per stop). */
  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < this.windowMs) return;
    this.lastSweepMs = nowMs;
    for (const [caller, times] of this.stops) if (times[times.length - 1]! + this.windowMs <= nowMs) this.stops.delete(caller);
  }
}
