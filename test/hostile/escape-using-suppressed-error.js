// technique: a `using` declaration whose disposer throws makes V8 13 (Node 24) build a
//   SuppressedError, whose prototype is reachable only through it; stash a value there.
// success: a later evaluation finds the stash (31337).
// expect: definition TASKRES_UNSERIALIZABLE
function (params) {
  var seen = false;
  try {
    using a = { [Symbol.dispose]() { throw new Error('a'); } };
    using b = { [Symbol.dispose]() { throw new Error('b'); } };
  } catch (e) {
    var proto = Object.getPrototypeOf(e);
    seen = proto.stash === 7;
    try { proto.stash = 7; } catch (f) {}
  }
  return seen ? 31337 : 0;
}
