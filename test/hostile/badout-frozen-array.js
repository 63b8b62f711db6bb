// technique: returns a frozen one-element array.
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { return Object.freeze([8]); }
