// name: atomics-obfuscated
// attack: reaches Atomics.waitAsync (a process killer under isolated-vm 5.0.4) through computed
//   property names, so the definition-time free-variable check cannot see it.
// expected safe outcome: Atomics and SharedArrayBuffer are absent from the sandbox: TypeError,
//   reported as TASKRES_FUNCTION_THREW; the sandbox process lives on.
function (params) {
  const g = globalThis;
  const A = g['Atom' + 'ics'];
  const S = g['Shared' + 'ArrayBuffer'];
  return A.waitAsync(new Int32Array(new S(16)), 0, 0).value ? 1 : 0;
}
