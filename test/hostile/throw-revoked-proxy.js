// technique: throws a revoked Proxy: every operation on it (even typeof checks beyond typeof) throws.
// success: the host crashes while describing the failure.
// expect: TASKRES_FUNCTION_THREW
function (params) {
  var r = Proxy.revocable(new Error('revoked'), {});
  r.revoke();
  throw r.proxy;
}
