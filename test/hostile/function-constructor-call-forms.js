// technique: calls the Function constructor in unusual ways: as a tag, through call/apply/bind,
//   through Reflect.apply, as `new`, with the body split across arguments.
// success: any form compiles source text (31337).
// expect: value 0
function (params) {
  var F = Function;
  var attempts = [
    function () { return F`return 1`; },
    function () { return F.call(null, 'return 1'); },
    function () { return F.apply(null, ['a', 'return a']); },
    function () { return F.bind(null, 'return 1')(); },
    function () { return Reflect.apply(F, null, ['return 1']); },
    function () { return new F('a', 'b', 'return a + b'); },
    function () { return Function.prototype.constructor('return 1'); },
    function () { return F({ toString: function () { return 'return 1'; } }); },
  ];
  for (var i = 0; i < attempts.length; i++) {
    try { attempts[i](); return 31337; } catch (e) { if (!(e instanceof EvalError)) return 31337; }
  }
  return 0;
}
