// technique: returns an object carrying node's util.inspect.custom hook (for hosts that log results).
// success: the hook runs in the host (the host's globalThis.__HOSTILE_ESCAPE__ is set).
// The sandbox has no Symbol.for (its registry would outlive evaluations), so this throws first.
// expect: TASKRES_FUNCTION_THREW
function (params) {
  var o = { count: 8 };
  o[Symbol.for('nodejs.util.inspect.custom')] = function (depth, options, inspect) {
    try { inspect.constructor('return globalThis')().__HOSTILE_ESCAPE__ = 'result-inspect-custom'; } catch (x) {}
    return 'inspected';
  };
  return o;
}
