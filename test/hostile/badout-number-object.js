// technique: returns new Number(8), an object that coerces to 8.
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { return new Number(8); }
