// technique: calls the prototype's size() on receivers that are not files: plain objects shaped like
//   files, the files array, params, a Proxy of a real file.
// success: any of them answers (31337).
// expect: value 0
function (params) {
  var file = params.files[0];
  var size = Object.getPrototypeOf(file).size;
  var receivers = [{}, { path: file.path, name: file.name }, params.files, params, Object.create(file),
    new Proxy(file, {}), Object.assign({}, file)];
  for (var i = 0; i < receivers.length; i++) {
    try { if (typeof size.call(receivers[i]) === 'number') return 31337; } catch (e) {}
  }
  return 0;
}
