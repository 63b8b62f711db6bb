// technique: (benign shape) an object literal that defines its own toString/valueOf/constructor:
//   literals define own properties, which a frozen Object.prototype must not block.
// success: the benign function fails.
// expect: value 7
function (params) {
  var o = { constructor: 3, toString: function () { return '4'; }, valueOf: function () { return 7; } };
  return o.constructor + Number(String(o)) === 7 ? +o : -1;
}
