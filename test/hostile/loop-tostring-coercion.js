// technique: the loop hides in a toString that a template literal calls.
// success: the evaluation never ends.
// expect: TASKRES_TIMEOUT
function (params) {
  var o = { toString: function () { for (;;) {} } };
  return `${o}`.length;
}
