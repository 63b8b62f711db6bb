// name: message-getter-loop
// attack: throws a plain object whose `message` getter loops.
// expected safe outcome: TASKRES_TIMEOUT (the read happens inside the timed call).
function (params) {
  throw { get message() { for (;;) {} } };
}
