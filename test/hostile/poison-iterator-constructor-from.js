// technique: reaches Node 22's Iterator through %IteratorPrototype%.constructor (no global
//   needed) and replaces next() on the prototype of the wrappers Iterator.from makes.
// success: a later evaluation sees the replacement (31337).
// expect: value 0
function (params) {
  var seen = false;
  try {
    var I = Object.getPrototypeOf(Object.getPrototypeOf([].values())).constructor;
    var wrapper = Object.getPrototypeOf(I.from({ next: function () { return { done: true }; } }));
    seen = wrapper.planted === true;
    wrapper.planted = true;
    wrapper.next = function () { return { done: false, value: 31337 }; };
  } catch (e) {}
  return seen ? 31337 : 0;
}
