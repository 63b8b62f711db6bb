// technique: a getter that reads itself: the recursion goes through property access.
// success: the stack overflow takes the thread or the process down.
// expect: TASKRES_FUNCTION_THREW
function (params) {
  var o = {};
  Object.defineProperty(o, 'deep', { get: function () { return this.deep + 1; } });
  return o.deep;
}
