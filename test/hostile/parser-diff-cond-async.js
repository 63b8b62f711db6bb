// technique: parser differential: after `async function () {}` in the alternate of a conditional at statement
//   level, a newline and `/`, acorn reads a regex literal where V8 reads a division, so the text
//   acorn took for a regex (`return 31337`) runs as code if V8 compiles the original text.
// success: the hidden `return 31337` runs (what runs is not what was checked).
// expect: definition TASKRES_UNSERIALIZABLE
// (since round 4: async functions and the Promise global are refused at definition, so no promise job runs after an evaluation)
function (params) { var a = 1;
a ? 1 : async function () {}
/ 1 ; return 31337 ; 1 /
1; return 0; }
