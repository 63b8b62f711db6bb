// technique: sloppy-mode caller chains (arguments.callee.caller, fn.caller, Function.prototype's
//   caller accessor) to reach whoever called the function: the runner, or a host frame.
// success: any caller other than the function's own code is reachable (31337).
// expect: value 0
function (params) {
  var self = null;
  try { self = arguments.callee; } catch (e) {}
  var callers = [];
  try { callers.push(self.caller); } catch (e) {}
  try { callers.push(arguments.callee.caller); } catch (e) {}
  try { var d = Object.getOwnPropertyDescriptor(Function.prototype, 'caller'); if (d && d.get) callers.push(d.get.call(self)); } catch (e) {}
  try { [0].map(function inner() { callers.push(inner.caller); }); } catch (e) {}
  try { params.files[0].size.call(params.files[0]); } catch (e) {}
  for (var i = 0; i < callers.length; i++) if (callers[i] && callers[i] !== self) return 31337;
  return 0;
}
