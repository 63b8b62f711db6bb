// technique: replaces RegExp.prototype.exec, Symbol.match and Symbol.replace so that a later tenant's
//   regex calls this function's code (which would see the tenant's strings).
// success: an earlier run's replacement is visible (31337).
// expect: value 0
function (params) {
  var mine = function () { return null; };
  mine.planted = true;
  var proto = RegExp.prototype;
  var seen = proto.exec.planted === true || proto[Symbol.match].planted === true || proto[Symbol.replace].planted === true;
  try { proto.exec = mine; } catch (e) {}
  try { proto[Symbol.match] = mine; } catch (e) {}
  try { Object.defineProperty(proto, Symbol.replace, { value: mine }); } catch (e) {}
  try { String.prototype.match = mine; } catch (e) {}
  return seen || String.prototype.match.planted === true ? 31337 : 0;
}
