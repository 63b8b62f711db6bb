// technique: replaces Array.prototype[Symbol.iterator] and Array.prototype.map (used by spread,
//   destructuring and for-of in later evaluations); reports if an earlier run's replacement is visible.
// success: a later evaluation iterates with this function's code (31337).
// expect: value 0
function (params) {
  var mine = function () { return [][Symbol.iterator].call([31337]); };
  mine.planted = true;
  var seen = Array.prototype[Symbol.iterator].planted === true || Array.prototype.map.planted === true;
  try { Array.prototype[Symbol.iterator] = mine; } catch (e) {}
  try { Array.prototype.map = mine; } catch (e) {}
  try { Object.defineProperty(Array.prototype, Symbol.iterator, { value: mine }); } catch (e) {}
  return seen ? 31337 : 0;
}
