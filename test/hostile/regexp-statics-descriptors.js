// technique: finds every accessor on RegExp (whatever its name) and calls its getter directly, with
//   RegExp and with a subclass as receiver, before matching anything itself.
// success: any getter yields a non-empty string (another evaluation's match) (31337).
// expect: value 0
function (params) {
  class Sub extends RegExp {}
  var keys = Reflect.ownKeys(RegExp);
  for (var i = 0; i < keys.length; i++) {
    var d = Object.getOwnPropertyDescriptor(RegExp, keys[i]);
    if (!d || typeof d.get !== 'function') continue;
    var receivers = [RegExp, Sub, undefined];
    for (var r = 0; r < receivers.length; r++) {
      try { var v = d.get.call(receivers[r]); if (typeof v === 'string' && v.length > 0) return 31337; } catch (e) {}
    }
  }
  return 0;
}
