// technique: returns a good number, leaving a microtask that allocates without bound.
// success: the allocation happens after the outcome is decided and hurts the next evaluation.
// expect: TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT
function (params) {
  Promise.resolve().then(function () { var keep = []; for (;;) keep.push({ n: keep.length }); });
  return 1;
}
