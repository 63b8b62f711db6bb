// technique: asks for strings of 2^30 and 2^29 characters in one call each.
// success: either is built (31337).
// expect: value 0
function (params) {
  try { if ('x'.repeat(2 ** 30).length > 0) return 31337; } catch (e) {}
  try { if ('xy'.repeat(2 ** 28).length > 0) return 31337; } catch (e) {}
  return 0;
}
