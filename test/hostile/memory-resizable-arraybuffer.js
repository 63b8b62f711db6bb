// technique: a resizable ArrayBuffer (maxByteLength 4 GiB) grown 64 MiB at a time, every page touched:
//   resize() may not go through the allocator that enforces memoryLimitMiB.
// success: 256 MiB or more granted and touched (31337).
// expect: value 0
function (params) {
  var buffer;
  try { buffer = new ArrayBuffer(1, { maxByteLength: 2 ** 32 }); } catch (e) { return 0; }
  for (var step = 1; step <= 4; step++) {
    try { buffer.resize(step * 64 * 1024 * 1024); } catch (e) { return 0; }
    var view = new Uint8Array(buffer);
    for (var i = (step - 1) * 64 * 1024 * 1024; i < view.length; i += 4096) view[i] = 1;
  }
  return 31337;
}
