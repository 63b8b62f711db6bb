/** Starts the real `taskres serve` binary on an ephemeral loopback port, as a client would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const BIN = new URL('../../bin/taskres.js', import.meta.url).pathname;
const ROOT = new URL('../..', import.meta.url).pathname;

/** A running server process. */
export interface Served {
  url: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the listening line. */
  startMs: number;
  /** Everything written to stderr so far (the logs). */
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/**
 * Spawns `taskres serve --port 0 ...args` and waits for its listening line. Unless `args` set
 * it, `--drain-delay-ms 0`: tests stop many servers, and those that test the delay give it.
 */
export async function serve(...args: string[]): Promise<Served> {
  const started = performance.now();
  const drain = args.includes('--drain-delay-ms') ? [] : ['--drain-delay-ms', '0'];
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...drain, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    new Promise<string>((resolve) => lines.once('line', resolve)),
    exited.then((code) => {
      throw new Error(`taskres serve exited with ${code} before listening: ${stderr.slice(0, 2000)}`);
    }),
  ]);
  const startMs = performance.now() - started;
  const { listening } = JSON.parse(first) as { listening: string };
  return {
    url: listening,
    child,
    startMs,
    stderr: () => stderr,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** POSTs JSON (or raw text) and returns status, headers and the parsed body. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text.startsWith('{') ? JSON.parse(text) : text };
}

/** GETs and returns status, headers and the body (parsed when JSON). */
export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text.startsWith('{') ? JSON.parse(text) : text };
}

/** Polls /readyz until it answers 200 (the sandbox probe passed), for at most `ms`. */
export async function untilReady(url: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await get(`${url}/readyz`)).status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
