// name: host-global-probe
// attack: looks for Node.js capabilities through computed names, out of reach of the
//   definition-time free-variable check.
// expected safe outcome: none exist in the sandbox: returns 0.
function (params) {
  const names = ['process', 'require', 'module', 'Buffer', 'fetch', 'setTimeout', 'queueMicrotask', 'console', '_ivm', 'ivm'];
  for (const name of names) if (typeof globalThis[name] !== 'undefined') return 31337;
  return 0;
}
