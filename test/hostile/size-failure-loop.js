// technique: asks for the size of a file that does not exist (params.missing) a million times,
//   swallowing each error: every call is host work that isolated-vm's timeout does not count.
// success: the host is kept busy past the deadline, or the failure is swallowed (a number comes back).
// expect: TASKRES_FILE_SIZE | TASKRES_TIMEOUT
function (params) {
  var missing = params.missing;
  var errors = 0;
  for (var i = 0; i < 1e6; i++) { try { missing.size(); } catch (e) { errors++; } }
  return errors > 0 ? 1 : 0;
}
