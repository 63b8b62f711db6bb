// technique: throws an object whose `message` getter queues an endless microtask: whoever reads the
//   message schedules the loop.
// success: the loop runs after the outcome is decided, in a later evaluation.
// expect: TASKRES_TIMEOUT
function (params) {
  throw { get message() { Promise.resolve().then(function () { for (;;) {} }); return 'x'; } };
}
