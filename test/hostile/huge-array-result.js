// technique: returns a million-element array, hoping the host copies it out.
// success: the array is copied into the host (memory, time).
// expect: TASKRES_INVALID_VALUE
function (params) {
  return new Array(1e6).fill(params.count);
}
