// technique: replaces JSON.parse and JSON.stringify (the runner parses batches with JSON).
// success: an earlier run's replacement is visible (31337).
// expect: value 0
function (params) {
  var mine = function () { return 31337; };
  mine.planted = true;
  var seen = JSON.parse.planted === true || JSON.stringify.planted === true;
  try { JSON.parse = mine; } catch (e) {}
  try { JSON.stringify = mine; } catch (e) {}
  try { Object.defineProperty(JSON, 'parse', { value: mine }); } catch (e) {}
  return seen ? 31337 : 0;
}
