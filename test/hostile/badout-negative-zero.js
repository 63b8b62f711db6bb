// technique: returns -0, which passes `>= 0` and Number.isSafeInteger but is not a count.
// success: -0 reaches the caller (1/x is -Infinity).
// expect: value 0
function (params) { return -0; }
