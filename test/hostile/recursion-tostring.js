// technique: a toString that converts itself: the recursion goes through a built-in (String()).
// success: the stack overflow takes the thread or the process down.
// expect: TASKRES_FUNCTION_THREW
function (params) {
  var o = { toString: function () { return String(o); } };
  return String(o).length;
}
