// technique: reads RegExp's legacy static match state (RegExp.input/$_, lastMatch/$&, leftContext/$`,
//   rightContext/$', lastParen/$+, $1..$9) before matching anything itself: whatever is there was left
//   by another evaluation (a neighbour matching its own secret file paths).
// success: another evaluation's match state is visible (31337).
// expect: value 0
function (params) {
  var names = ['input', '$_', 'lastMatch', '$&', 'leftContext', '$`', 'rightContext', "$'", 'lastParen', '$+',
    '$1', '$2', '$3', '$4', '$5', '$6', '$7', '$8', '$9'];
  for (var i = 0; i < names.length; i++) {
    var v;
    try { v = RegExp[names[i]]; } catch (e) { continue; }
    if (typeof v === 'string' && v.length > 0) return 31337;
  }
  return 0;
}
