// technique: returns the Promise of an inner async arrow that resolves to 8.
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { return (async () => 8)(); }
