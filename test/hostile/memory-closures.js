// technique: a chain of closures, each holding the previous one and an array.
// success: the heap grows past memoryLimitMiB, or the process dies.
// expect: TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT
function (params) {
  var f = function () { return 0; };
  for (;;) { var prev = f; var data = new Array(64).fill(prev); f = function () { return prev() + data.length; }; }
}
