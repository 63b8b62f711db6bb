// technique: the loop runs inside a built-in (Array.prototype.sort) through its comparator.
// success: the built-in keeps the thread past the deadline.
// expect: TASKRES_TIMEOUT
function (params) {
  return [3, 2, 1].concat(params.files).sort(function () { for (;;) {} }).length;
}
