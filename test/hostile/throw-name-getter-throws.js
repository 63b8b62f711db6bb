// technique: throws an Error whose name getter throws another object whose message getter throws.
// success: the host crashes while describing the failure.
// expect: TASKRES_FUNCTION_THREW
function (params) {
  var inner = { get message() { throw inner; } };
  var e = new TypeError('looks normal');
  Object.defineProperty(e, 'name', { get: function () { throw inner; } });
  throw e;
}
