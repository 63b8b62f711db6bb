// technique: import.meta (module-only syntax) to learn the module's URL.
// success: the definition is accepted.
// expect: definition TASKRES_UNSERIALIZABLE
function (params) {
  return import.meta.url.length;
}
