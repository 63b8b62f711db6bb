#!/usr/bin/env node
// Launcher: isolated-vm needs `--no-node-snapshot` on Node 20+. Re-run Node with it (once)
// so that nobody has to pass it by hand, then hand over to the CLI.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (process.execArgv.includes('--no-node-snapshot')) {
  await import(new URL('../dist/cli.js', import.meta.url).href);
} else {
  const child = spawn(process.execPath, ['--no-node-snapshot', ...process.execArgv, cli, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
