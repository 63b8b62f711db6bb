// technique: mints file objects whose index is not a number ('length', 'constructor', '__proto__',
//   NaN, 1e9, -1, an object with valueOf), which reach host code that indexes a list with them.
// success: any answers size() with a number, or the host's thrown text (install path) comes back (31337).
// expect: value 0
function (params) {
  var F = params.files[0].constructor;
  var leak = /node_modules|\/dist\/|\/src\/|file:\/\/|\.[cm]?js:\d+/;
  var indexes = ['length', 'constructor', '__proto__', 'toString', NaN, 1e9, -1, 1.5, { valueOf: function () { return 0; } }];
  for (var i = 0; i < indexes.length; i++) {
    try {
      var f = new F(indexes[i], 'x', 'x');
      if (typeof f.size() === 'number') return 31337;
    } catch (e) {
      try { if (leak.test(String(e && e.stack)) || leak.test(String(e && e.message))) return 31337; } catch (x) {}
    }
  }
  return 0;
}
