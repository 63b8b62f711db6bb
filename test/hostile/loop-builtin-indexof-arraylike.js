// technique: Array.prototype.indexOf over an array-like whose length is 2^53-1: one built-in call
//   that walks 9e15 indexes and does not check for interrupts (the thread stays inside it).
// success: the evaluation never ends, or a sandbox thread is wedged for good.
// expect: TASKRES_TIMEOUT
function (params) {
  return Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 'never');
}
