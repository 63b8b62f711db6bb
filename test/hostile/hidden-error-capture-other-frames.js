// technique: Error.captureStackTrace with a huge stackTraceLimit attempt, and the stack of an error
//   raised inside a callback the runner drives, looking for frames or text of other evaluations
//   (their secrets) or of the host.
// success: another tenant's secret or host text appears (31337).
// expect: value 0
function (params) {
  try { Error.stackTraceLimit = Infinity; } catch (e) {}
  var texts = [];
  var o = {};
  try { Error.captureStackTrace(o); texts.push(o.stack); } catch (e) {}
  try { JSON.parse('[1]', function () { throw new Error('inside'); }); } catch (e) { texts.push(e.stack); }
  var leak = /SECRET|node_modules|\/dist\/|file:\/\//;
  for (var i = 0; i < texts.length; i++) if (leak.test(String(texts[i]))) return 31337;
  return 0;
}
