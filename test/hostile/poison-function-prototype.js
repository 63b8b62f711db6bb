// technique: replaces Function.prototype.call/apply/bind and Reflect.apply (used by glue code).
// success: an earlier run's replacement is visible (31337).
// expect: value 0
function (params) {
  var mine = function () { return 31337; };
  mine.planted = true;
  var seen = Function.prototype.call.planted === true || Function.prototype.apply.planted === true || Reflect.apply.planted === true;
  try { Function.prototype.call = mine; } catch (e) {}
  try { Function.prototype.apply = mine; } catch (e) {}
  try { Function.prototype.bind = mine; } catch (e) {}
  try { Reflect.apply = mine; } catch (e) {}
  return seen ? 31337 : 0;
}
