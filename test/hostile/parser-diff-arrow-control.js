// technique: control case for the differential: after an arrow function with a block body both
//   parsers insert a semicolon and read a regex, so nothing is hidden.
// success: the text read as a regex runs as code.
// expect: value 0
function (params) { var a = 1;
a ? 1 : () => {}
/ 1 ; return 31337 ; 1 /
1; return 0; }
