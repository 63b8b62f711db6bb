// name: microtask-after-return
// attack: returns a good number at once but leaves a microtask that loops forever.
// expected safe outcome: microtasks run inside the deadline: TASKRES_TIMEOUT; neighbours unaffected.
function (params) {
  Promise.resolve().then(function () { for (;;) {} });
  return 2;
}
