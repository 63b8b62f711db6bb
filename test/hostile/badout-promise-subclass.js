// technique: returns an instance of a Promise subclass resolved with 8.
// success: the host accepts it as a number (or coerces it).
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) { class P extends Promise {} return P.resolve(8); }
