// technique: a Proxy whose get trap reads through the proxy again.
// success: the stack overflow takes the thread or the process down.
// expect: TASKRES_FUNCTION_THREW
function (params) {
  var p = new Proxy({}, { get: function (target, key) { return p[key]; } });
  return p.count;
}
