// technique: leaves an unhandled rejection behind and returns a good number, hoping the rejection
//   is reported on a later evaluation (another tenant's).
// success: a neighbour fails with this function's error.
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) {
  Promise.reject(new Error('POISON planted for the next evaluation'));
  return 5;
}
