// technique: assigns toString/valueOf/constructor on a fresh object and on an array: if the
//   assignment went through to the shared prototype, every later tenant's objects would change.
// success: Object.prototype's methods changed (now or for a later run) (31337).
// expect: value 0
function (params) {
  var changed = ({}).toString() !== '[object Object]' || typeof ({}).valueOf !== 'function' || ({}).constructor !== Object;
  var o = {}, a = [];
  try { o.toString = function () { return 'mine'; }; } catch (e) {}
  try { o.valueOf = function () { return 31337; }; } catch (e) {}
  try { o.constructor = 5; } catch (e) {}
  try { a.toString = function () { return 'mine'; }; } catch (e) {}
  changed = changed || ({}).toString() !== '[object Object]' || [1, 2].toString() !== '1,2';
  return changed ? 31337 : 0;
}
