// technique: catastrophic backtracking with a pattern built from strings at run time (no literal
//   for a static check to see).
// success: the regex engine keeps the thread past the deadline.
// expect: TASKRES_TIMEOUT
function (params) {
  var pattern = new RegExp('^(' + 'a|' + 'a?' + ')+$');
  return pattern.test(new Array(60).join('a') + 'b') ? 1 : 0;
}
