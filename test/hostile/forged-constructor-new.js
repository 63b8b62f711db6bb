// technique: files[0].constructor is the sandbox's file class; `new F(i, path, name)` for every
//   index of the batch mints file objects for other jobs' files and parameters the function never
//   named (and makes the user's provider run for them). It tries every index before answering.
// success: any minted object answers size() (31337).
// expect: value 0
function (params) {
  var F = params.files[0].constructor;
  var answered = 0;
  for (var i = 0; i < 64; i++) {
    try { if (typeof new F(i, 'x', 'x').size() === 'number') answered++; } catch (e) {}
  }
  return answered > 0 ? 31337 : 0;
}
