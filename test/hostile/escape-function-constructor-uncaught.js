// technique: the plainest code-from-string: the Function constructor of a function expression.
// success: it compiles and returns 31337.
// expect: TASKRES_FUNCTION_THREW
function (params) {
  return (function () {}).constructor('return 31337')();
}
