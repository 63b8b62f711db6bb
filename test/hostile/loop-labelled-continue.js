// technique: an infinite loop written as a labelled `continue` to an outer loop (no plain while(true)).
// success: the evaluation never ends and the thread is lost.
// expect: TASKRES_TIMEOUT
function (params) {
  outer: for (;;) { for (var i = 0; i < 10; i++) continue outer; }
}
