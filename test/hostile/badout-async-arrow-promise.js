// technique: returns the Promise of an inner async arrow that resolves to 8.
// success: the host accepts it as a number (or coerces it).
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) { return (async () => 8)(); }
