// technique: names WeakRef and FinalizationRegistry (GC timing: callbacks outside any evaluation).
// success: the definition is accepted.
// expect: definition TASKRES_UNSERIALIZABLE
function (params) {
  var r = typeof WeakRef === 'function' ? new WeakRef({}) : null;
  var f = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(function () {}) : null;
  return r && f ? 1 : 0;
}
