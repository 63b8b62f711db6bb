// technique: `this` inside a nested sloppy function called plainly is the realm's global object;
//   look there for host capabilities and a way back to a host Function.
// success: a host capability or a code-generating Function is reachable (31337).
// expect: value 0
function (params) {
  var g = (function () { return this; })();
  if (!g) return 0;
  var names = ['process', 'require', 'module', 'Buffer', 'setTimeout', 'queueMicrotask', 'console', 'fetch', '_ivm', 'ivm'];
  for (var i = 0; i < names.length; i++) { try { if (g[names[i]] !== undefined) return 31337; } catch (e) {} }
  try { g.Function('return 1'); return 31337; } catch (e) {}
  return 0;
}
