// technique: an endless generator consumed by for-of: the loop is split across generator resumptions.
// success: the evaluation never ends.
// expect: TASKRES_TIMEOUT
function (params) {
  function* forever() { for (;;) yield 1; }
  var n = 0;
  for (var x of forever()) n += x;
  return n;
}
