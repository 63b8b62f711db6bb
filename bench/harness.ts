/**
 * Measuring tools for the benchmarks: timed loops, percentiles, and the peak resident memory
 * of this process plus its children (the sandbox process), sampled while a row runs.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** One line of a result table. */
export interface Row {
  name: string;
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
  peakRssMiB: number;
  /** ops/s of this row divided by ops/s of the scenario's in-process baseline. */
  ratio?: number;
  note?: string;
}

/** One table. */
export interface Scenario {
  title: string;
  rows: Row[];
  /** What the latency columns measure, when not one operation. */
  latencyUnit?: string;
}

/** Percentile of sorted numbers. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `op` `count` times one after another, timing each run. */
export async function timeEach(count: number, op: (i: number) => unknown, onProgress?: (done: number) => void): Promise<{ opsPerSec: number; p50Us: number; p99Us: number }> {
  const samples = new Float64Array(count);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const result = op(i);
    if (result instanceof Promise) await result;
    samples[i] = (performance.now() - t) * 1000;
    if (onProgress && (i & 255) === 0) onProgress(i);
  }
  const elapsedS = (performance.now() - started) / 1000;
  const sorted = Array.from(samples).sort((a, b) => a - b);
  return { opsPerSec: count / elapsedS, p50Us: percentile(sorted, 50), p99Us: percentile(sorted, 99) };
}

/** Resident memory of this process's descendants (the sandbox process), in MiB, from /proc; 0 elsewhere. */
export function childrenRssMiB(): number {
  let bytes = 0;
  try {
    const children = new Map<number, number[]>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const list = children.get(ppid) ?? [];
        list.push(Number(entry));
        children.set(ppid, list);
      } catch {
        // The process ended while we looked.
      }
    }
    const stack = [...(children.get(process.pid) ?? [])];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      try {
        const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (rss) bytes += Number(rss[1]) * 1024;
      } catch {
        // Ended meanwhile.
      }
      stack.push(...(children.get(pid) ?? []));
    }
  } catch {
    // No /proc.
  }
  return bytes / 1048576;
}

/** Resident memory of this process and its descendants, in MiB. */
export function treeRssMiB(): number {
  return process.memoryUsage.rss() / 1048576 + childrenRssMiB();
}

/**
 * Samples, every 100 ms until stopped, the memory a row adds: the sandbox process's RSS plus
 * this process's growth since the row began (earlier rows' garbage is not the row's).
 */
export function sampleRss(): { stop(): number } {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage.rss() / 1048576;
  const sample = () => childrenRssMiB() + Math.max(0, process.memoryUsage.rss() / 1048576 - base);
  let peak = sample();
  const timer = setInterval(() => {
    peak = Math.max(peak, sample());
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, sample());
    },
  };
}

/** Measures one row: runs `measure` while sampling memory. */
export async function row(name: string, measure: () => Promise<Omit<Row, 'name' | 'peakRssMiB'>>): Promise<Row> {
  const sampler = sampleRss();
  try {
    const result = await measure();
    return { name, ...result, peakRssMiB: sampler.stop() };
  } catch (error) {
    sampler.stop();
    throw error;
  }
}

/** Fills each row's ratio against the row named `baseline`. */
export function withRatios(scenario: Scenario, baseline: string): Scenario {
  const base = scenario.rows.find((r) => r.name === baseline);
  if (base) for (const r of scenario.rows) r.ratio = r.opsPerSec / base.opsPerSec;
  return scenario;
}
