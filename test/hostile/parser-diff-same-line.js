// technique: the differential's division on the same line: acorn reports a syntax error where V8
//   accepts the text (and would run `return 31337`).
// success: the definition is accepted and the hidden text runs.
// expect: definition TASKRES_UNSERIALIZABLE
function (params) { var a = 1;
a ? 1 : function () {} / 1 ; return 31337 ; 1 /
1; return 0; }
