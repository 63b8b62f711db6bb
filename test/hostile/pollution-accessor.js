// technique: defines a `count` getter on Object.prototype (a key benign functions read) and a
//   `then` getter (turns every object into a thenable).
// success: an earlier run's getter is visible on a fresh object (31337).
// expect: value 0
function (params) {
  var seen = ({}).count === 31337 || ({}).then !== undefined;
  try { Object.defineProperty(Object.prototype, 'count', { get: function () { return 31337; }, configurable: true }); } catch (e) {}
  try { Object.defineProperty(Object.prototype, 'then', { get: function () { return function (r) { r(31337); }; }, configurable: true }); } catch (e) {}
  return seen ? 31337 : 0;
}
