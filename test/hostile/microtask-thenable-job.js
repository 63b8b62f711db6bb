// technique: resolving a promise with a thenable schedules a job that calls its `then`; that `then` loops.
// success: the job runs after the function returned, outside its deadline.
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) {
  Promise.resolve({ then: function () { for (;;) {} } });
  return 1;
}
