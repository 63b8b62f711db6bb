// technique: overflow the stack through the host callback size(), catch the RangeError, and read
//   its stack text for the host's install path or other tenants' data.
// success: host stack text (paths of the installed library) or a secret in the caught error.
// expect: value 0
function (params) {
  var leak = /node_modules|\/dist\/|\/src\/|file:\/\/|\.[cm]?js:\d+|SECRET/;
  var size = params.files[0].size;
  var texts = [];
  try { (function r() { size(); r(); })(); } catch (e) { try { texts.push(String(e.stack), String(e.message)); } catch (x) {} }
  try { (function r() { r(); })(); } catch (e) { try { texts.push(String(e.stack)); } catch (x) {} }
  for (var i = 0; i < texts.length; i++) if (leak.test(texts[i])) return 31337;
  return 0;
}
