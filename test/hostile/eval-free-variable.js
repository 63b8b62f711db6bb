// technique: indirect eval, `(0, eval)`, the classic way to get the global scope and code from strings.
// success: the definition is accepted.
// expect: definition TASKRES_UNSERIALIZABLE
function (params) {
  return (0, eval)('1 + 1');
}
