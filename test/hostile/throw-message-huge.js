// technique: throws an Error whose message getter returns a 20-million-character string.
// success: the whole string is copied to the host (memory) or printed.
// expect: TASKRES_FUNCTION_THREW
function (params) {
  var e = new Error('x');
  Object.defineProperty(e, 'message', { get: function () { return 'x'.repeat(2e7); } });
  throw e;
}
