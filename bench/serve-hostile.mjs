/**
 * What one hostile or greedy caller costs everyone else on `taskres serve` (issue 18, section 5),
 * measured against any build of taskres so that before and after run in one session:
 *
 *     node bench/serve-hostile.mjs [REPO_ROOT]     (default: this clone; run `npm run build` first)
 *
 * Rows: /healthz latency while a ~1 MB spec of 52,000 params gets 52,000 unknown args, and while
 * 240 deep missing paths are looked up under --files-root; the size of /v1/check's answer to a
 * spec of 70,000 unknown options; how much faster a spec another caller sent answers (the cache
 * timing oracle); and per-caller fairness: the latency of single resolves by one caller while
 * another keeps the sandbox busy with batches (--fairness-only: that row alone). Not a test:
 * the figures depend on the machine; compare builds in one run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? new URL('..', import.meta.url).pathname);
const scratch = mkdtempSync(join(tmpdir(), 'taskres-bench-hostile-'));
const tokens = ['caller-a-token-0123456789abcdef', 'caller-b-token-0123456789abcdef'];
const tokenFile = join(scratch, 'tokens');
// Builds before per-caller tokens take one token per file: those run without tokens.
writeFileSync(tokenFile, tokens.join('\n'));

async function start(args) {
  const child = spawn(process.execPath, [join(root, 'bin/taskres.js'), 'serve', '--port', '0', '--log-level', 'warn', '--threads', '2', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((r) => createInterface({ input: child.stdout }).once('line', r));
  const { listening } = JSON.parse(line);
  for (;;) {
    try {
      if ((await fetch(`${listening}/readyz`)).status === 200) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: listening, stop: () => (child.kill('SIGINT'), new Promise((r) => child.on('exit', r))) };
}

const post = async (url, body, token) => {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, bytes: Buffer.byteLength(text), ms: performance.now() - started, text };
};

/** Polls /healthz one request after another while `work` runs; the slowest answer, in ms. */
async function healthzWhile(url, work) {
  let done = false;
  let worst = 0;
  const polling = (async () => {
    while (!done) {
      const started = performance.now();
      await fetch(`${url}/healthz`).then((r) => r.text());
      worst = Math.max(worst, performance.now() - started);
    }
  })();
  const result = await work();
  done = true;
  await polling;
  return { worst, result };
}

const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];
const ms = (value) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

const withTokens = !process.argv.includes('--no-tokens');
const server = await start(['--files-root', scratch, ...(withTokens ? ['--token-file', tokenFile] : [])]);
const [tokenA, tokenB] = withTokens ? tokens : [undefined, undefined];
console.log(`taskres at ${root}${withTokens ? '' : ' (no tokens)'}`);
const only = process.argv.includes('--fairness-only');
try {
  if (!only) await hostileRows();
  await fairness();
} finally {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
}

async function hostileRows() {
  // 1. 52,000 params, 52,000 unknown args.
  const n = 52_000;
  const hostile = JSON.stringify({
    task: { name: 'wide', params: Array.from({ length: n }, (_, i) => `p${i}`), resources: { cpu: 1, memory: 1 } },
    args: Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, 1])),
  });
  for (let run = 0; run < 3; run++) {
    const { worst, result } = await healthzWhile(server.url, () => post(`${server.url}/v1/resolve`, hostile, tokenA));
    console.log(`unknown args: ${(hostile.length / 1e6).toFixed(2)} MB request -> ${result.status} in ${ms(result.ms)}, answer ${result.bytes} B; /healthz worst ${ms(worst)}`);
  }

  // 2. 240 deep missing paths under --files-root.
  const deep = 'missing/' + 'd/'.repeat(2040);
  const files = JSON.stringify({ task: { name: 'f', params: ['files'], resources: { cpu: 1, memory: 1 } }, args: { files: Array.from({ length: 240 }, (_, i) => ({ $file: `${deep}${i}` })) } });
  for (let run = 0; run < 3; run++) {
    const { worst, result } = await healthzWhile(server.url, () => post(`${server.url}/v1/resolve`, files, tokenA));
    console.log(`deep paths: ${(files.length / 1e6).toFixed(2)} MB request -> ${result.status} in ${ms(result.ms)}; /healthz worst ${ms(worst)}`);
  }

  // 3. /v1/check of 70,000 unknown options.
  const options = Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`u${i}`, 1]));
  const check = JSON.stringify({ spec: { name: 'many', params: [], resources: { cpu: 1, memory: 1, ...options } } });
  {
    const { worst, result } = await healthzWhile(server.url, () => post(`${server.url}/v1/check`, check, tokenA));
    console.log(`check: ${(check.length / 1e6).toFixed(2)} MB request -> ${result.status}, answer ${(result.bytes / 1e6).toFixed(3)} MB (${(result.bytes / check.length).toFixed(2)}x) in ${ms(result.ms)}; /healthz worst ${ms(worst)}`);
  }

  // 4. The cache timing oracle: caller A's spec, sent again by A and then by B.
  const own = [];
  const other = [];
  const fresh = [];
  for (let i = 0; i < 20; i++) {
    const spec = { name: `secret_${i}`, params: ['n'], resources: { cpu: `({ n }) => { const table = [${Array.from({ length: 400 }, (_, k) => k).join(',')}]; return Math.min(8, n + table.length % 3 + ${i % 2}); }`, memory: 1 } };
    const body = { task: spec, args: { n: 1 } };
    fresh.push((await post(`${server.url}/v1/resolve`, body, tokenA)).ms);
    own.push((await post(`${server.url}/v1/resolve`, body, tokenA)).ms);
    other.push((await post(`${server.url}/v1/resolve`, body, tokenB)).ms);
  }
  console.log(`inline-spec cache: first send p50 ${ms(percentile(fresh, 50))}, same caller again ${ms(percentile(own, 50))}, another caller ${ms(percentile(other, 50))}`);
}

async function fairness() {
  // 5. Fairness: caller A keeps 4 batches of 500 in flight; caller B sends single resolves one at a time.
  const work = { name: 'work', params: ['n'], resources: { cpu: '({ n }) => { let x = 0; for (let i = 0; i < 200000; i++) x += i % 7; return 1 + (x % 2); }', memory: 1 } };
  const batch = { items: Array.from({ length: 500 }, (_, i) => ({ task: work, args: { n: i } })) };
  const single = { task: work, args: { n: 1 } };
  const alone = [];
  for (let i = 0; i < 20; i++) alone.push((await post(`${server.url}/v1/resolve`, single, tokenB)).ms);
  let stop = false;
  let resolutionsA = 0;
  const startedA = performance.now();
  const greedy = Array.from({ length: 4 }, async () => {
    while (!stop) {
      const r = await post(`${server.url}/v1/resolve-many`, batch, tokenA);
      if (r.status === 200) resolutionsA += 500;
    }
  });
  await new Promise((r) => setTimeout(r, 500));
  const contended = [];
  const until = performance.now() + 8000;
  while (performance.now() < until) contended.push((await post(`${server.url}/v1/resolve`, single, tokenB)).ms);
  stop = true;
  await Promise.all(greedy);
  const secondsA = (performance.now() - startedA) / 1000;
  console.log(`fairness: B alone p50 ${ms(percentile(alone, 50))}; B beside A's batches p50 ${ms(percentile(contended, 50))} p99 ${ms(percentile(contended, 99))} (${contended.length} resolves in 8 s); A ${Math.round(resolutionsA / secondsA)} resolutions/s`);
}
