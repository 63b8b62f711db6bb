// technique: replaces Date.now and Date.prototype.getTime (the runner's clock, a later tenant's clock).
// success: an earlier run's replacement is visible (31337).
// expect: value 0
function (params) {
  var mine = function () { return 0; };
  mine.planted = true;
  var seen = Date.now.planted === true || Date.prototype.getTime.planted === true;
  try { Date.now = mine; } catch (e) {}
  try { Date.prototype.getTime = mine; } catch (e) {}
  try { Object.defineProperty(Date, 'now', { value: mine }); } catch (e) {}
  return seen ? 31337 : 0;
}
