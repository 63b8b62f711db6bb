// name: thrown-getter-proxy
// attack: a params getter throws a Proxy whose traps never return: whoever reads the thrown
//   value's message spins. Under plain isolated-vm that read happens in the host, untimed.
// expected safe outcome: the in-isolate wrapper reads it inside the timed call: TASKRES_TIMEOUT.
function (params) {
  Object.defineProperty(params, 'trap', {
    get() { throw new Proxy({}, { get() { for (;;) {} }, getPrototypeOf() { for (;;) {} } }); },
  });
  return params.trap;
}
