// technique: dynamic import() hidden in a nested arrow that is never called.
// success: the definition is accepted (import() is syntax: no global filtering removes it).
// expect: definition TASKRES_UNSERIALIZABLE
function (params) {
  var later = () => import('node:child_process');
  return params.count;
}
