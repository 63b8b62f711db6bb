// technique: replaces next() on the prototype of iterator helpers (Node 22+: [].values().map(f)),
//   an object no global names, so that a later evaluation that maps an iterator runs this code.
// success: a later evaluation sees the replacement (31337).
// expect: value 0
function (params) {
  var seen = false;
  try {
    var proto = Object.getPrototypeOf([].values().map(function (x) { return x; }));
    seen = proto.next.planted === true;
    var mine = function () { return { done: true, value: 31337 }; };
    mine.planted = true;
    proto.next = mine;
    Object.defineProperty(proto, 'next', { value: mine });
  } catch (e) {}
  return seen ? 31337 : 0;
}
