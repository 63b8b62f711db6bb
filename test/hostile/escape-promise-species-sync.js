// technique: Promise species (CVE-2023-37466 shape) in a synchronous function: `then` on a promise
//   whose constructor has a Symbol.species class receives raw resolve/reject functions; size()
//   failures feed the rejection path.
// success: the resolving functions or any reason are host objects (a Function that compiles source) (31337).
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) {
  var hit = false;
  function check(f) { try { if (f && f.constructor && f.constructor('return 1')) hit = true; } catch (e) {} }
  class FakePromise {
    constructor(executor) { executor(function (x) { check(x); return x; }, function (r) { check(r); }); }
    static get [Symbol.species]() { return FakePromise; }
  }
  var p = Promise.resolve();
  try { p.constructor = FakePromise; } catch (e) {}
  try { Object.defineProperty(p, 'constructor', { value: FakePromise }); } catch (e) {}
  try { p.then(function () { params.files[0].size.call({}); }); } catch (e) {}
  try { Promise.prototype.then.call(p, null, check); } catch (e) {}
  try { new Promise(function (res, rej) { check(res); check(rej); }); } catch (e) {}
  return hit ? 31337 : 0;
}
