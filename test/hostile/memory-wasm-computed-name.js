// technique: reaches WebAssembly (whose memory memoryLimitMiB does not count) through computed names
//   and reflection, out of sight of the free-variable check, then grows a memory to 1 GiB.
// success: a WebAssembly.Memory grows (31337).
// expect: value 0
function (params) {
  var name = ['Web', 'Assembly'].join('');
  var candidates = [];
  try { candidates.push(globalThis[name]); } catch (e) {}
  try { candidates.push(Reflect.get(globalThis, name)); } catch (e) {}
  try { var d = Object.getOwnPropertyDescriptor(globalThis, name); candidates.push(d && (d.value || (d.get && d.get()))); } catch (e) {}
  try { Reflect.ownKeys(globalThis).forEach(function (k) { if (String(k).indexOf('ssembl') >= 0) candidates.push(globalThis[k]); }); } catch (e) {}
  for (var i = 0; i < candidates.length; i++) {
    try { var m = new candidates[i].Memory({ initial: 1, maximum: 65536 }); m.grow(16384); return 31337; } catch (e) {}
  }
  return 0;
}
