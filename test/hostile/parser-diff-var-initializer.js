// technique: parser differential in a `var` initializer: `var q = a ? 1 : function () {}`, then a
//   newline and `/` (acorn: regex; V8: division).
// success: the hidden `return 31337` runs.
// expect: value 0
function (params) { var a = 1;
var q = a ? 1 : function () {}
/ 1 ; return 31337 ; 1 /
1; return 0; }
