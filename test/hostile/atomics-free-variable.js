// technique: names Atomics (Atomics.waitAsync aborts the process under isolated-vm 5.0.4) inside a
//   try block, expecting a ReferenceError at worst.
// success: the definition is accepted.
// expect: definition TASKRES_UNSERIALIZABLE
function (params) {
  try { Atomics.waitAsync(new Int32Array(4), 0, 0, 1); } catch (e) {}
  return 1;
}
