// technique: parser differential inside a nested conditional: `a ? 1 : b ? 2 : function () {}`,
//   then a newline and `/` (acorn: regex; V8: division).
// success: the hidden `return 31337` runs.
// expect: value 0
function (params) { var a = 0, b = 0;
a ? 1 : b ? 2 : function () {}
/ 1 ; return 31337 ; 1 /
1; return 0; }
