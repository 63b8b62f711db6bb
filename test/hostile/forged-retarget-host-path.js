// technique: re-targets a file object at a host file (/etc/passwd) before asking its size, to probe
//   the host's file system through the size provider.
// success: size() answers for the host file instead of the file the function was given (31337).
// expect: value 0
function (params) {
  var a = params.files[0], b = params.files[1];
  var before = b.size();
  try { a.path = '/etc/passwd'; } catch (e) {}
  try { Object.defineProperty(a, 'path', { value: '/etc/passwd' }); } catch (e) {}
  var after;
  try { after = a.size(); } catch (e) { return 0; }
  // The fixture's files have sizes 1000, 2000, 3000 bytes: anything else came from elsewhere.
  return after === before / 2 ? 0 : 31337;
}
