// technique: a Set of unbounded distinct numbers (hash table doubling: large single allocations).
// success: the heap grows past memoryLimitMiB, or the process dies.
// expect: TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT
function (params) {
  var s = new Set();
  for (var i = 0; ; i++) s.add(i + 0.5);
}
