// technique: parser differential whose hidden text closes the function body and, with the textual
//   wrapper `(${source}\n)`, appends an immediately invoked loop to the compiled expression: it runs
//   when the sandbox compiles the function, before any evaluation deadline exists (issue 10, item 1:
//   a permanent hang of a sandbox thread and of close()).
// success: the sandbox compiles and runs the hidden loop; the resolver hangs.
// expect: value 0
function (params) { var a = 1;
a ? 1 : function () {}
/ 1 ; 0 } , function () { for (;;) {} } ( ) , function () { 1 /
1; return 0; }
