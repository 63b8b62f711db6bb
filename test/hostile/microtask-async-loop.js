// technique: an inner async function that awaits forever in a loop: each turn is a new microtask,
//   so no single call runs long.
// success: the microtask queue keeps the thread after the function returned.
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) {
  (async function () { for (;;) await null; })();
  return 1;
}
