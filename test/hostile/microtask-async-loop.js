// technique: an inner async function that awaits forever in a loop: each turn is a new microtask,
//   so no single call runs long.
// success: the microtask queue keeps the thread after the function returned.
// expect: TASKRES_TIMEOUT
function (params) {
  (async function () { for (;;) await null; })();
  return 1;
}
