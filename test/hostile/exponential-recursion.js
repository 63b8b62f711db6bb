// technique: recursion that retries in its catch block after every stack overflow: exponential
//   time, and each overflow unwinds through try/catch (nothing propagates).
// success: the evaluation never ends.
// expect: TASKRES_TIMEOUT
function (params) {
  function f() { try { return f(); } catch (e) { return f(); } }
  return f();
}
