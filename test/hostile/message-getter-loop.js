// technique: throws a plain object whose `message` getter loops: whoever describes the failure spins.
// success: the read happens outside the deadline (in the host, or untimed).
// expect: TASKRES_TIMEOUT
function (params) {
  throw { get message() { for (;;) {} } };
}
