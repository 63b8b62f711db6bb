// technique: returns at once, leaving a microtask that calls size() on a file that does not exist.
//   Before issue 10 that failure landed on whatever evaluation ran next (an innocent job got
//   TASKRES_FILE_SIZE). The outcome is decided when the function returns: a later size() call is
//   refused inside the isolate (the microtask swallows the throw), no provider runs, nobody is charged.
// success: a neighbour is charged with this function's failed lookup.
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) {
  var missing = params.missing;
  Promise.resolve().then(function () { try { missing.size(); } catch (e) {} });
  return 2;
}
