// technique: returns a generator object whose first value is 8.
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { return (function* () { yield 8; })(); }
