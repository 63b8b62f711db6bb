// technique: looks for Node.js capabilities through computed names, out of sight of the
//   definition-time free-variable check.
// success: any of them exists in the sandbox (31337).
// expect: value 0
function (params) {
  var names = ['process', 'require', 'module', 'Buffer', 'fetch', 'setTimeout', 'queueMicrotask', 'console', '_ivm', 'ivm'];
  for (var i = 0; i < names.length; i++) if (typeof globalThis[names[i]] !== 'undefined') return 31337;
  return 0;
}
