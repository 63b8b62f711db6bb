// technique: returns Object.create(Promise.prototype): passes instanceof Promise but is not a promise.
// success: the host accepts it as a number (or coerces it).
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) { return Object.create(Promise.prototype); }
