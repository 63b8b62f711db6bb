// technique: returns a function with a then method (a thenable that is callable).
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { var f = function () { return 8; }; f.then = function (resolve) { resolve(8); }; return f; }
