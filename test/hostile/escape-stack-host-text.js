// technique: reads every stack text the function can provoke (its own errors, Error.captureStackTrace
//   with and without a constructor to hide, errors inside built-ins and size()) for host paths or
//   another tenant's secret.
// success: host stack text or a secret appears (31337).
// expect: value 0
function (params) {
  var leak = /node_modules|\/dist\/|\/src\/|file:\/\/|\.[cm]?js:\d+|SECRET/;
  var texts = [];
  try { texts.push(new Error('x').stack); } catch (e) {}
  try { var o = {}; Error.captureStackTrace(o); texts.push(o.stack); } catch (e) {}
  try { var p = {}; Error.captureStackTrace(p, params.files[0].size); texts.push(p.stack); } catch (e) {}
  try { [1].map(function () { null.x; }); } catch (e) { texts.push(e.stack); }
  try { params.files[0].size.call(null); } catch (e) { texts.push(e.stack, e.message); }
  try { new params.files[0].size(); } catch (e) { texts.push(e.stack, e.message); }
  for (var i = 0; i < texts.length; i++) if (leak.test(String(texts[i]))) return 31337;
  return 0;
}
