// technique: builds code from a string through the constructors of an arrow, a generator and
//   Reflect.construct(Function, ...) (async functions are refused at definition since round 4).
// success: any of them compiles source text (31337); each must refuse with an EvalError.
// expect: value 0
function (params) {
  var attempts = [
    function () { return (() => 0).constructor('return 1')(); },
    function () { return Object.getPrototypeOf(function* () {}).constructor('yield 1')().next().value; },
    function () { return Reflect.construct(Function, ['return 1'])(); },
  ];
  for (var i = 0; i < attempts.length; i++) {
    try { attempts[i](); return 31337; } catch (e) { if (!(e instanceof EvalError)) return 31337; }
  }
  return 0;
}
