// technique: resolving a promise with a thenable schedules a job that calls its `then`; that `then` loops.
// success: the job runs after the function returned, outside its deadline.
// expect: TASKRES_TIMEOUT
function (params) {
  Promise.resolve({ then: function () { for (;;) {} } });
  return 1;
}
