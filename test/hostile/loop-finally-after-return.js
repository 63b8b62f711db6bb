// technique: `return` a good number, then loop in the `finally` block that runs after it.
// success: the host sees the number and the loop runs untimed afterwards.
// expect: TASKRES_TIMEOUT
function (params) {
  try { return 1; } finally { for (;;) {} }
}
