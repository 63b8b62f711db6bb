// technique: leaves an unhandled rejection behind and returns a good number, hoping the rejection
//   is reported on a later evaluation (another tenant's).
// success: a neighbour fails with this function's error.
// expect: TASKRES_FUNCTION_THREW
function (params) {
  Promise.reject(new Error('POISON planted for the next evaluation'));
  return 5;
}
