// name: function-constructor-chain
// attack: builds code from a string through the constructor of an arrow function, an async
//   function and a generator (eval is deleted, so these are the remaining doors).
// expected safe outcome: every Function constructor refuses source text: TASKRES_FUNCTION_THREW.
function (params) {
  const attempts = [
    () => (() => 0).constructor('return 31337')(),
    () => Object.getPrototypeOf(async function () {}).constructor('return 31337'),
    () => Object.getPrototypeOf(function* () {}).constructor('yield 31337')().next().value,
    () => Reflect.construct(Function, ['return 31337'])(),
  ];
  for (const attempt of attempts) {
    try { return attempt(); } catch (e) { if (!(e instanceof EvalError)) return 31337; }
  }
  throw new Error('all code generation refused');
}
