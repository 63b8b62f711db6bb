// technique: the loop runs inside String.prototype.replace through a replacer called per match.
// success: the built-in keeps the thread past the deadline.
// expect: TASKRES_TIMEOUT
function (params) {
  return params.files[0].path.replace(/./g, function () { for (;;) {} }).length;
}
