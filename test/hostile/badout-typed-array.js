// technique: returns a Float64Array holding 8.
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { return new Float64Array([8]); }
