// technique: unbounded mutual recursion between two functions.
// success: the stack overflow takes the thread or the process down.
// expect: TASKRES_FUNCTION_THREW
function (params) {
  function ping(n) { return pong(n + 1) + 1; }
  function pong(n) { return ping(n + 1) + 1; }
  return ping(0);
}
