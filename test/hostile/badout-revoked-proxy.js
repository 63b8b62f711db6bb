// technique: returns a revoked Proxy: Array.isArray and most reflection throw on it.
// success: the host accepts it as a number (or coerces it).
// expect: TASKRES_INVALID_VALUE
function (params) { var r = Proxy.revocable([8], {}); r.revoke(); return r.proxy; }
