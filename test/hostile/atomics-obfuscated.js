// technique: reaches Atomics.waitAsync (a process killer under isolated-vm 5.0.4) and
//   SharedArrayBuffer through computed property names, out of sight of the free-variable check.
// success: Atomics.waitAsync is called (31337), or the sandbox process aborts.
// expect: value 0
function (params) {
  var g = globalThis;
  try {
    var A = g['Atom' + 'ics'];
    var S = g['Shared' + 'ArrayBuffer'];
    A.waitAsync(new Int32Array(new S(16)), 0, 0, 1);
    return 31337;
  } catch (e) {
    return 0;
  }
}
