// technique: a rejection that is handled before the function returns must not count as a failure.
// success: (control) the function is charged for an error it handled.
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) {
  var p = Promise.reject(new Error('handled'));
  p.catch(function () {});
  return 5;
}
