// technique: mints file objects without calling the class directly: Reflect.construct with the class,
//   with the class as new.target for another constructor, and Object.create of its prototype.
// success: any of them answers size() (31337).
// expect: value 0
function (params) {
  var F = params.files[0].constructor;
  var size = Object.getPrototypeOf(params.files[0]).size;
  var makers = [
    function (i) { return Reflect.construct(F, [i, 'x', 'x']); },
    function (i) { return Reflect.construct(Object, [], F); },
    function (i) { return Object.create(F.prototype, { path: { value: params.files[0].path } }); },
  ];
  var answered = 0;
  for (var m = 0; m < makers.length; m++) {
    for (var i = 0; i < 64; i++) {
      try { if (typeof size.call(makers[m](i)) === 'number') answered++; } catch (e) {}
    }
  }
  return answered > 0 ? 31337 : 0;
}
