// technique: returns an array whose element 0 is a getter that loops (an array-of-one check reads it).
// success: the host reads the element and spins.
// expect: TASKRES_INVALID_VALUE
function (params) {
  var a = [0];
  Object.defineProperty(a, 0, { get: function () { for (;;) {} } });
  return a;
}
