// technique: returns (does not throw) an Error whose message is "8".
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { return new Error("8"); }
