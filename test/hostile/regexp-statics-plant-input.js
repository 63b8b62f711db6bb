// technique: plants RegExp.input (and its alias RegExp.$_), which have setters, for later evaluations;
//   reports if an earlier run's plant is visible.
// success: the planted value survives into a later evaluation (31337).
// expect: value 0
function (params) {
  var seen = false;
  try { seen = RegExp.input === 'PLANTED-BY-HOSTILE' || RegExp.$_ === 'PLANTED-BY-HOSTILE'; } catch (e) {}
  try { RegExp.input = 'PLANTED-BY-HOSTILE'; } catch (e) {}
  try { RegExp.$_ = 'PLANTED-BY-HOSTILE'; } catch (e) {}
  return seen ? 31337 : 0;
}
