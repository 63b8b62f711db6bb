// name: huge-array-result
// attack: returns a million-element array, hoping the host copies it out.
// expected safe outcome: only a description crosses: TASKRES_INVALID_VALUE.
function (params) {
  return new Array(1e6).fill(params.count);
}
