// technique: replaces Math.min, Math.max and Math.ceil through assignment, defineProperty and
//   Object.assign (the functions benign tenants compute with).
// success: an earlier run's replacement is visible (31337).
// expect: value 0
function (params) {
  var mine = function () { return 31337; };
  mine.planted = true;
  var seen = Math.min.planted === true || Math.max.planted === true || Math.ceil.planted === true;
  try { Math.min = mine; } catch (e) {}
  try { Object.defineProperty(Math, 'max', { value: mine }); } catch (e) {}
  try { Object.assign(Math, { ceil: mine }); } catch (e) {}
  return seen ? 31337 : 0;
}
