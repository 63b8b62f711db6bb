// technique: Array.prototype.fill over a plain object whose length is 2^53-1: one built-in call
//   that creates properties without end.
// success: the heap grows past memoryLimitMiB inside an uninterruptible built-in, or the process dies.
// expect: TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT
function (params) {
  return Array.prototype.fill.call({ length: 2 ** 53 - 1 }, 0).length;
}
