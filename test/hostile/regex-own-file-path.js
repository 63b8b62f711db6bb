// technique: backtracking over the function's own file paths (data a static check cannot know).
// success: the regex engine keeps the thread past the deadline.
// expect: TASKRES_TIMEOUT
function (params) {
  var s = params.files.map(function (f) { return f.path; }).join('') + params.files[0].path;
  return /^(.+)+\u0000$/.test(s) ? 1 : 0;
}
