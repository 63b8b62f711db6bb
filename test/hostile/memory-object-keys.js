// technique: one dictionary object with unbounded string keys.
// success: the heap grows past memoryLimitMiB, or the process dies.
// expect: TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT
function (params) {
  var o = {};
  for (var i = 0; ; i++) o['key' + i] = i;
}
