// technique: parser differential in a `throw` argument under an `if` that is never taken.
// success: the hidden `return 31337` runs.
// expect: value 0
function (params) { var a = 1, b = 0;
if (b) throw a ? 1 : function () {}
/ 1 ; return 31337 ; 1 /
1; return 0; }
