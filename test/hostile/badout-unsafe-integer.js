// technique: returns 2^53, an integer that is not a safe integer.
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { return 2 ** 53; }
