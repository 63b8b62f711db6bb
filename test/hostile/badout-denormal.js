// technique: returns 5e-324, the smallest positive number (rounds to 0).
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { return 5e-324; }
