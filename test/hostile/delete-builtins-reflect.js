// technique: deletes built-ins with Reflect.deleteProperty (no exception when it fails) and checks
//   whether an earlier run's deletions stuck.
// success: an earlier run's deletion is visible (31337).
// expect: value 0
function (params) {
  var seen = typeof Math.max !== 'function' || typeof JSON.parse !== 'function' || typeof Object.keys !== 'function' ||
    typeof Array.isArray !== 'function' || typeof String.prototype.slice !== 'function';
  Reflect.deleteProperty(Math, 'max');
  Reflect.deleteProperty(JSON, 'parse');
  Reflect.deleteProperty(Object, 'keys');
  Reflect.deleteProperty(Array, 'isArray');
  Reflect.deleteProperty(String.prototype, 'slice');
  return seen ? 31337 : 0;
}
