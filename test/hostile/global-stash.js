// technique: sets a stash and __HOSTILE_ESCAPE__ on globalThis, hoping a later evaluation (or the
//   host) sees them; reports 31337 if the stash survived from an earlier run.
// success: the stash is visible in a later run (31337), or the host's global is marked.
// expect: value 0
function (params) {
  var seen = globalThis.stash === 1;
  try { globalThis.stash = 1; } catch (e) {}
  try { globalThis.__HOSTILE_ESCAPE__ = true; } catch (e) {}
  return seen ? 31337 : 0;
}
