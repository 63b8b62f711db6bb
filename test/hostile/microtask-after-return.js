// technique: returns a good number at once but leaves a microtask that loops forever.
// success: the loop runs after the outcome is decided (untimed, or in a neighbour's evaluation).
// expect: TASKRES_TIMEOUT
function (params) {
  Promise.resolve().then(function () { for (;;) {} });
  return 2;
}
