// technique: like regexp-statics-spy, but looks specifically for a neighbour's secret (its file path
//   holds SECRET-...) in every legacy static, after running a regex of its own that fails to match
//   (a failed match leaves the statics untouched).
// success: a neighbour's secret path is visible (31337).
// expect: value 0
function (params) {
  /no-such-thing-here/.test('abc');
  var found = false;
  ['input', '$_', 'lastMatch', 'leftContext', 'rightContext', 'lastParen', '$1', '$2'].forEach(function (k) {
    try { if (String(RegExp[k]).indexOf('SECRET') >= 0) found = true; } catch (e) {}
  });
  return found ? 31337 : 0;
}
