// technique: returns a good number, leaving a microtask that allocates without bound.
// success: the allocation happens after the outcome is decided and hurts the next evaluation.
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) {
  Promise.resolve().then(function () { var keep = []; for (;;) keep.push({ n: keep.length }); });
  return 1;
}
