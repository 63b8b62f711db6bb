// name: size-failure-loop
// attack: asks the host for the size of a file that fails, a million times, swallowing each
//   error (params.missing does not exist): every call is host work that isolated-vm's timeout does not count.
// expected safe outcome: failures are cached and the host stops the isolate at the deadline:
//   TASKRES_FILE_SIZE or TASKRES_TIMEOUT, within the deadline.
function (params) {
  const missing = params.missing;
  let errors = 0;
  for (let i = 0; i < 1e6; i++) { try { missing.size(); } catch (e) { errors++; } }
  return errors > 0 ? 1 : 0;
}
