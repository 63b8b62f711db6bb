// technique: V8's Math.random hands out a per-realm cache of 64 xorshift128+ outputs in reverse order.
//   Checking which consecutive outputs satisfy the xorshift recurrence (on their 29 exact high bits)
//   locates the cache boundary, which tells how many numbers earlier evaluations in the same realm
//   drew: a channel between tenants (and, with a state solver, a way to predict their numbers).
// success: the cache was partly used when the function started, i.e. state carried over (31337).
// expect: value 0
function (params) {
  var M = (1n << 64n) - 1n;
  var xs = [];
  for (var i = 0; i < 140; i++) xs.push(BigInt(Math.floor(Math.random() * 2 ** 52)));
  function follows(a, b, c) {
    var s1 = a << 12n, s0 = b << 12n;
    s1 = (s1 ^ (s1 << 23n)) & M; s1 = s1 ^ (s1 >> 17n); s1 = s1 ^ s0; s1 = s1 ^ (s0 >> 26n);
    return ((s1 & M) >> 36n) === (c >> 24n);
  }
  var ok = 0, firstBreak = -1;
  for (var k = 0; k + 2 < xs.length; k++) {
    if (follows(xs[k + 2], xs[k + 1], xs[k])) ok++;
    else if (firstBreak < 0) firstBreak = k;
  }
  // Not V8's generator (a reseeded or replaced one): nothing to learn.
  if (ok < 100 || firstBreak < 0) return 0;
  var leftAtStart = firstBreak + 2;
  return leftAtStart % 64 === 0 ? 0 : 31337;
}
