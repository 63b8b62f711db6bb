// technique: a cheaply built array nested 200,000 deep, then JSON.stringify (the engine recurses).
// success: the stack overflow takes the thread or the process down.
// expect: TASKRES_FUNCTION_THREW
function (params) {
  var a = [];
  for (var i = 0; i < 2e5; i++) a = [a];
  return JSON.stringify(a).length;
}
