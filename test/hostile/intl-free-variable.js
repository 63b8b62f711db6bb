// technique: names Intl (caches of locale data and formatters shared by the realm).
// success: the definition is accepted.
// expect: definition TASKRES_UNSERIALIZABLE
function (params) {
  return new Intl.NumberFormat('en').format(params.count).length;
}
