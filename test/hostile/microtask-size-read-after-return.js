// technique: returns at once, leaving a microtask that reads a size the function never read itself.
// success: the lookup is charged to, or answered during, a neighbour's evaluation.
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) {
  var file = params.files[2];
  Promise.resolve().then(function () { try { file.size(); } catch (e) {} });
  return 2;
}
