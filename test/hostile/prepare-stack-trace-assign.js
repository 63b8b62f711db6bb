// name: prepare-stack-trace-assign
// attack: installs Error.prepareStackTrace to get CallSite objects (and their functions) the
//   next time any error's stack is read, host frames included.
// expected safe outcome: Error is frozen, the assignment is ignored; the stack is a plain
//   string, so the result is TASKRES_INVALID_VALUE (a string, not a number).
function (params) {
  try { Error.prepareStackTrace = function (e, callSites) { return 31337; }; } catch (e) {}
  return new Error('probe').stack;
}
