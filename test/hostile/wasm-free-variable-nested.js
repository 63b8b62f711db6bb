// technique: names WebAssembly only inside a nested function that is never called, and only under typeof.
// success: the definition is accepted although it names a removed global.
// expect: definition TASKRES_UNSERIALIZABLE
function (params) {
  function probe() { return typeof WebAssembly === 'object' ? WebAssembly.Memory : null; }
  return params.count;
}
