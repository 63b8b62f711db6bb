// technique: returns one more than limits.cpu.max (1000000).
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { return 1000001; }
