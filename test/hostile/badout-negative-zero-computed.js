// technique: computes -0 in ways a static check cannot see: Math.round(-0.4), -1 * 0, Math.min(0, -0).
// success: -0 reaches the caller.
// expect: value 0
function (params) { return Math.min(Math.round(-0.4), -1 * 0 * params.count, Math.min(0, -0)); }
