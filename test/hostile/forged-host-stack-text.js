// technique: provokes a failure inside the host side of size() with a minted object, and reads the
//   thrown error's stack and message for host stack text (the library's install path).
// success: host stack text comes back into the isolate (31337).
// expect: value 0
function (params) {
  var F = params.files[0].constructor;
  var leak = /node_modules|\/dist\/|\/src\/|file:\/\/|\.[cm]?js:\d+|at [A-Z][A-Za-z]+\.[a-zA-Z]+ \(/;
  var probes = ['length', 'constructor', 100000, -5];
  for (var i = 0; i < probes.length; i++) {
    try { new F(probes[i], 'x', 'x').size(); } catch (e) {
      var text = '';
      try { text = String(e.stack) + String(e.message); } catch (x) {}
      if (leak.test(text)) return 31337;
    }
  }
  return 0;
}
