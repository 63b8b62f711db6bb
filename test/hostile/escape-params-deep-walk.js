// technique: walks everything reachable from params (own keys including symbols and non-enumerable
//   ones, prototypes, accessors, size()'s properties) looking for a host object: a Function that
//   accepts source text, or anything with `process`/`require`.
// success: a host object is found (31337).
// expect: value 0
function (params) {
  var seen = [];
  var found = false;
  function visit(v, depth) {
    if (found || depth > 8 || v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.indexOf(v) >= 0) return;
    seen.push(v);
    try { if (v.process || v.require) { found = true; return; } } catch (e) {}
    if (typeof v === 'function') { try { if (typeof v('return 1') === 'function') { found = true; return; } } catch (e) {} }
    var keys = [];
    try { keys = Reflect.ownKeys(v); } catch (e) {}
    for (var i = 0; i < keys.length; i++) {
      var d;
      try { d = Object.getOwnPropertyDescriptor(v, keys[i]); } catch (e) { continue; }
      if (!d) continue;
      if ('value' in d) visit(d.value, depth + 1); else { visit(d.get, depth + 1); visit(d.set, depth + 1); }
    }
    try { visit(Object.getPrototypeOf(v), depth + 1); } catch (e) {}
  }
  visit(params, 0);
  return found ? 31337 : 0;
}
