// technique: climbs .constructor.constructor from every kind of value the function can make or was
//   given (primitives' wrappers, built-in methods, bound functions, classes, iterators, errors, params),
//   then asks each Function it finds for `return this`.
// success: some Function accepts source text and returns a global object (31337).
// expect: value 0
function (params) {
  var roots = [1, 'a', true, Symbol('s'), 1n, [], {}, /r/, new Date(0), Math.max, [].map, ''.sub,
    Function.prototype.bind.call(Math.max, null), class {}, (function* () {})(), [][Symbol.iterator](),
    new Error('e'), params, params.files,
    params.files[0], params.files[0].size];
  for (var i = 0; i < roots.length; i++) {
    var fns = [];
    try { fns.push(Object(roots[i]).constructor); } catch (e) {}
    try { fns.push(Object(roots[i]).constructor.constructor); } catch (e) {}
    try { fns.push(Object.getPrototypeOf(Object(roots[i])).constructor.constructor); } catch (e) {}
    for (var j = 0; j < fns.length; j++) {
      try { var g = fns[j]('return this')(); if (g && typeof g === 'object') return 31337; } catch (e) {}
    }
  }
  return 0;
}
