// technique: returns an instance of a class whose prototype has `then` (a thenable that is not a plain
//   object), hoping a host `await` calls it with host resolving functions.
// success: `then` runs in the host (the host's globalThis.__HOSTILE_ESCAPE__ is set).
// expect: TASKRES_INVALID_VALUE
function (params) {
  class Later {
    then(resolve) {
      try { resolve.constructor('return globalThis')().__HOSTILE_ESCAPE__ = 'escape-thenable-class-instance'; } catch (e) {}
      resolve(8);
    }
  }
  return new Later();
}
