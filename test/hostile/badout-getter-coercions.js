// technique: returns an object whose valueOf, toString, Symbol.toPrimitive and toJSON are getters that loop.
// success: the host coerces or serialises the result and spins.
// expect: TASKRES_INVALID_VALUE
function (params) {
  var o = {};
  var spin = { get: function () { for (;;) {} } };
  Object.defineProperty(o, 'valueOf', spin);
  Object.defineProperty(o, 'toString', spin);
  Object.defineProperty(o, 'toJSON', spin);
  Object.defineProperty(o, Symbol.toPrimitive, spin);
  return o;
}
