// technique: Array.prototype.join over 100 million holes builds a 200-million-character string
//   cheaply (as a rope); indexOf then flattens it: one allocation of 200 MB inside a built-in.
// success: the flat string exists at a 32 MiB memory limit (31337), or V8's fatal OOM kills the process.
// expect: TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT
function (params) {
  var s = new Array(1e8).join('xy');
  return s.indexOf('z') === -1 ? 31337 : 0;
}
