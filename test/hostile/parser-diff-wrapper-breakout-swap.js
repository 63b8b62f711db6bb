// technique: parser differential whose hidden text closes the checked function and, with the textual
//   wrapper `(${source}\n)`, makes the compiled value a different function built from the tail of the
//   text (where `a` is no longer declared): the function that runs is not the one that was checked.
// success: the swapped-in function runs (it sees no `a`) and returns 31337.
// expect: value 0
function (params) { var a = 1;
a ? 1 : function () {}
/ 1 ; 0 } , function () { 1 /
1; return typeof a === 'undefined' ? 31337 : 0; }
