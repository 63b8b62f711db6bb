// technique: squares a BigInt until it is larger than the heap (BigInt digits are one allocation).
// success: the heap grows past memoryLimitMiB, or the process dies.
// expect: TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT
function (params) {
  var x = 3n;
  for (;;) x = x * x + 1n;
}
