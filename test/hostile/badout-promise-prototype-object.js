// technique: returns Object.create(Promise.prototype): passes instanceof Promise but is not a promise.
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { return Object.create(Promise.prototype); }
