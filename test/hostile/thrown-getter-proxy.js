// technique: a getter defined on params throws a Proxy whose traps never return: whoever reads the
//   thrown value's message spins (under plain isolated-vm that read happens in the host, untimed).
// success: the read happens outside the deadline.
// expect: TASKRES_TIMEOUT
function (params) {
  Object.defineProperty(params, 'trap', {
    get: function () { throw new Proxy({}, { get: function () { for (;;) {} }, getPrototypeOf: function () { for (;;) {} } }); },
  });
  return params.trap;
}
