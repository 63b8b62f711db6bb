// technique: throws an Error carrying node's util.inspect.custom hook, which climbs from the host's
//   `inspect` argument to the host's Function and marks the host global (CVE-2023-37903 shape).
// success: the hook runs in the host (the host's globalThis.__HOSTILE_ESCAPE__ is set).
// expect: TASKRES_FUNCTION_THREW
function (params) {
  var e = new Error('inspect me');
  e[Symbol.for('nodejs.util.inspect.custom')] = function (depth, options, inspect) {
    try { inspect.constructor('return globalThis')().__HOSTILE_ESCAPE__ = 'throw-inspect-custom'; } catch (x) {}
    return 'inspected';
  };
  throw e;
}
