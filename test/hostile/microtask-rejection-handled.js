// technique: a rejection that is handled before the function returns must not count as a failure.
// success: (control) the function is charged for an error it handled.
// expect: value 5
function (params) {
  var p = Promise.reject(new Error('handled'));
  p.catch(function () {});
  return 5;
}
