// technique: installs Error.prepareStackTrace by assignment to get CallSite objects (and their
//   functions) the next time any error's stack is read, host frames included; returns the stack.
// success: the hook runs and the stack is 31337 (a number).
// expect: TASKRES_INVALID_VALUE
function (params) {
  try { Error.prepareStackTrace = function (e, callSites) { return 31337; }; } catch (e) {}
  return new Error('probe').stack;
}
