// technique: returns at once, leaving a microtask that calls size() on a file that does not exist.
//   Today that failure lands on whatever evaluation runs next (an innocent job gets TASKRES_FILE_SIZE).
// success: a neighbour is charged with this function's failed lookup.
// expect: TASKRES_FILE_SIZE
function (params) {
  var missing = params.missing;
  Promise.resolve().then(function () { try { missing.size(); } catch (e) {} });
  return 2;
}
