// technique: one 2 GiB Float64Array, then 1 GiB, then 512 MiB: typed-array memory lives outside the
//   JS heap and is only limited if the allocator counts it.
// success: any of them is granted (31337).
// expect: value 0
function (params) {
  var sizes = [2 ** 28, 2 ** 27, 2 ** 26];
  for (var i = 0; i < sizes.length; i++) {
    try { var a = new Float64Array(sizes[i]); a[a.length - 1] = 1; return 31337; } catch (e) {}
  }
  return 0;
}
