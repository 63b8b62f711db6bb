// technique: asks for BigInts of 2^40 bits in one operation.
// success: the engine tries to build it (31337) or the process dies.
// expect: value 0
function (params) {
  try { if ((1n << (1n << 40n)) > 0n) return 31337; } catch (e) {}
  try { if (2n ** 4000000000n > 0n) return 31337; } catch (e) {}
  return 0;
}
