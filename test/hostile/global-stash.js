// name: global-stash
// attack: sets __HOSTILE_ESCAPE__ and a stash on globalThis, hoping a later evaluation (or the
//   host) sees it; then reports 31337 if the stash survived from an earlier run.
// expected safe outcome: the global is frozen: returns 0 on every run.
function (params) {
  const seen = globalThis.stash === 1;
  try { globalThis.stash = 1; } catch (e) {}
  try { globalThis.__HOSTILE_ESCAPE__ = true; } catch (e) {}
  return seen ? 31337 : 0;
}
