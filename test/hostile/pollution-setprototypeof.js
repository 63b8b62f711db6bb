// technique: swaps the prototype of Object.prototype's heirs: Object.setPrototypeOf on
//   Array.prototype, Function.prototype and the global object, and __proto__ writes.
// success: an earlier run's swap is visible (31337).
// expect: value 0
function (params) {
  var evil = { polluted: 'yes' };
  var seen = [].polluted === 'yes' || (function () {}).polluted === 'yes' || globalThis.polluted === 'yes';
  try { Object.setPrototypeOf(Array.prototype, evil); } catch (e) {}
  try { Object.setPrototypeOf(Function.prototype, evil); } catch (e) {}
  try { Object.setPrototypeOf(globalThis, evil); } catch (e) {}
  try { Array.prototype.__proto__ = evil; } catch (e) {}
  return seen ? 31337 : 0;
}
