// technique: deletes global bindings (Object, Array, Math, JSON, Number, String) with `delete`.
// success: an earlier run's deletion is visible (31337).
// expect: value 0
function (params) {
  var g = globalThis;
  var names = ['Object', 'Array', 'Math', 'JSON', 'Number', 'String'];
  var seen = false;
  for (var i = 0; i < names.length; i++) if (g[names[i]] === undefined) seen = true;
  for (var j = 0; j < names.length; j++) { try { delete g[names[j]]; } catch (e) {} }
  return seen ? 31337 : 0;
}
