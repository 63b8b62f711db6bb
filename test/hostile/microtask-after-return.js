// technique: returns a good number at once but leaves a microtask that loops forever.
// success: the loop runs after the outcome is decided (untimed, or in a neighbour's evaluation).
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) {
  Promise.resolve().then(function () { for (;;) {} });
  return 2;
}
