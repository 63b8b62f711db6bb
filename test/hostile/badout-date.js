// technique: returns a Date (coerces to a number through valueOf).
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { return new Date(8); }
