// technique: names SharedArrayBuffer in a default parameter of an inner arrow.
// success: the definition is accepted.
// expect: definition TASKRES_UNSERIALIZABLE
function (params) {
  var make = (n = new SharedArrayBuffer(8)) => n.byteLength;
  return params.count;
}
