// technique: stashes a value on the getter of every error's own `stack` accessor (one pair of
//   functions shared by the realm on Node 22+), a channel to later evaluations.
// success: a later evaluation finds the stash (31337).
// expect: value 0
function (params) {
  var d = Object.getOwnPropertyDescriptor(new Error('x'), 'stack');
  if (!d || !d.get) return 0;
  var seen = d.get.stash === 7 || d.set.stash === 7;
  try { d.get.stash = 7; } catch (e) {}
  try { Object.defineProperty(d.set, 'stash', { value: 7 }); } catch (e) {}
  return seen ? 31337 : 0;
}
