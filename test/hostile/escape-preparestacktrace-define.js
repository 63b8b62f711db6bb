// technique: installs Error.prepareStackTrace with defineProperty and on a shadowing `Error` (the
//   SandBreak trick), then reads stacks: V8 would hand it CallSites (getThis/getFunction of every frame).
// success: the hook runs and sees a frame's function or receiver (31337).
// expect: value 0
function (params) {
  var hit = false;
  var hook = function (error, frames) {
    try { for (var i = 0; i < frames.length; i++) { if (frames[i].getFunction() || frames[i].getThis()) hit = true; } } catch (e) {}
    return 'hooked';
  };
  try { Object.defineProperty(Error, 'prepareStackTrace', { value: hook, configurable: true }); } catch (e) {}
  try { Error.prepareStackTrace = hook; } catch (e) {}
  try { globalThis.Error = { prepareStackTrace: hook }; } catch (e) {}
  var stacks = [];
  try { stacks.push(new Error('x').stack); } catch (e) {}
  try { null.x; } catch (e) { stacks.push(e.stack); }
  try { params.files[0].size(); var o = {}; Error.captureStackTrace(o); stacks.push(o.stack); } catch (e) {}
  return hit || stacks.indexOf('hooked') >= 0 ? 31337 : 0;
}
