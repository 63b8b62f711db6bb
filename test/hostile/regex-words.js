// technique: the classic `(\w+\s?)+$` over words followed by a non-word character.
// success: the regex engine keeps the thread past the deadline.
// expect: TASKRES_TIMEOUT
function (params) {
  var s = new Array(40).join('ab ') + '!';
  return /^(\w+\s?)+$/.test(s) ? 1 : 0;
}
