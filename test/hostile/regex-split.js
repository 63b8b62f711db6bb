// technique: catastrophic backtracking inside String.prototype.split.
// success: the regex engine keeps the thread past the deadline.
// expect: TASKRES_TIMEOUT
function (params) {
  return (new Array(40).join('a') + '!').split(/(a*)*b/).length;
}
