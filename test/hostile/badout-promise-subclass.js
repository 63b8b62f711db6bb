// technique: returns an instance of a Promise subclass resolved with 8.
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { class P extends Promise {} return P.resolve(8); }
