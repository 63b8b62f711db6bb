// technique: re-targets a file object the function was given: points files[0].path at files[1]'s
//   path before asking its size.
// success: files[0].size() now answers for files[1] (31337).
// expect: value 0
function (params) {
  var a = params.files[0], b = params.files[1];
  try { a.path = b.path; } catch (e) {}
  try { Object.defineProperty(a, 'path', { value: b.path }); } catch (e) {}
  try { a.name = b.name; } catch (e) {}
  var sa, sb;
  try { sa = a.size(); } catch (e) { return 0; }
  try { sb = b.size(); } catch (e) { return 0; }
  return sa === sb ? 31337 : 0;
}
