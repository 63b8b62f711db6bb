// technique: returns at once, leaving a microtask that reads a size the function never read itself.
// success: the lookup is charged to, or answered during, a neighbour's evaluation.
// expect: value 2
function (params) {
  var file = params.files[2];
  Promise.resolve().then(function () { try { file.size(); } catch (e) {} });
  return 2;
}
