// technique: the loop runs inside JSON.parse through its reviver.
// success: the built-in keeps the thread past the deadline.
// expect: TASKRES_TIMEOUT
function (params) {
  return JSON.parse('[1, 2, 3]', function () { for (;;) {} });
}
