// technique: String.prototype.match with /g over a 20M-character string: one call that returns an
//   array of 20 million strings.
// success: the heap grows past memoryLimitMiB, or the process dies.
// expect: TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT
function (params) {
  return 'ab'.repeat(1e7).match(/./g).length;
}
