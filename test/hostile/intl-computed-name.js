// technique: reaches Intl through computed names and reflection, out of sight of the free-variable check.
// success: an Intl object is found (31337).
// expect: value 0
function (params) {
  var name = ['In', 'tl'].join('');
  try { if (globalThis[name] !== undefined) return 31337; } catch (e) {}
  try { if (Reflect.has(globalThis, name)) return 31337; } catch (e) {}
  try { if (Object.getOwnPropertyNames(globalThis).indexOf(name) >= 0) return 31337; } catch (e) {}
  return 0;
}
