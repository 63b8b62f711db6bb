// technique: throws an object whose `message` getter queues an endless microtask: whoever reads the
//   message schedules the loop.
// success: the loop runs after the outcome is decided, in a later evaluation.
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) {
  throw { get message() { Promise.resolve().then(function () { for (;;) {} }); return 'x'; } };
}
