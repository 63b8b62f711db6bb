// technique: a subclass of Error with its own static prepareStackTrace and stackTraceLimit, hoping V8
//   consults the subclass.
// success: the hook runs (31337).
// expect: value 0
function (params) {
  var hit = false;
  class E extends Error {
    static prepareStackTrace(error, frames) { hit = true; return 'hooked'; }
  }
  var stack;
  try { stack = new E('x').stack; } catch (e) {}
  return hit || stack === 'hooked' ? 31337 : 0;
}
