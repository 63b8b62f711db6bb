// technique: overlapping alternation under a star, `^(?:a|a)*$`.
// success: the regex engine keeps the thread past the deadline.
// expect: TASKRES_TIMEOUT
function (params) {
  return /^(?:a|a)*$/.test(new Array(50).join('a') + '!') ? 1 : 0;
}
