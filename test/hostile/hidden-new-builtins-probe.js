// technique: looks for built-ins newer than ES2023 (Set methods,
//   Object.groupBy, Iterator helpers, Error.captureStackTrace, Symbol.for) that could lead to
//   objects no hardening reached.
// success: any of them exists in the sandbox (31337).
// expect: value 0
function (params) {
  var found = [
    typeof Set.prototype.union, typeof Object.groupBy, typeof Map.groupBy,
    typeof [].values().map, typeof Error.captureStackTrace, typeof Symbol.for, typeof Array.fromAsync,
    typeof JSON.rawJSON, typeof ArrayBuffer.prototype.transfer, typeof RegExp.escape,
  ].filter(function (t) { return t !== 'undefined'; });
  return found.length > 0 ? 31337 : 0;
}
