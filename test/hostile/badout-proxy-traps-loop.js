// technique: returns a Proxy whose every trap loops, so whoever inspects the result (instanceof,
//   reading `then`, Array.isArray, copying) spins.
// success: inspecting the result hangs the sandbox or the host.
// expect: TASKRES_INVALID_VALUE
function (params) {
  var spin = function () { for (;;) {} };
  return new Proxy({}, { get: spin, getPrototypeOf: spin, has: spin, ownKeys: spin, getOwnPropertyDescriptor: spin, isExtensible: spin });
}
