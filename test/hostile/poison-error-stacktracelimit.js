// technique: sets Error.stackTraceLimit (V8's hidden knob for every error of the realm) to a marker.
// success: an earlier run's value is still there (31337).
// expect: value 0
function (params) {
  var seen = Error.stackTraceLimit === 1234;
  try { Error.stackTraceLimit = 1234; } catch (e) {}
  try { Object.defineProperty(Error, 'stackTraceLimit', { value: 1234 }); } catch (e) {}
  return seen ? 31337 : 0;
}
