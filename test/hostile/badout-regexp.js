// technique: returns a RegExp.
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { return /8/; }
