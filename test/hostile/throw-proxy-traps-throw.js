// technique: throws a Proxy whose traps throw functions (vm2 #178 shape): host code that inspects the
//   thrown value gets attacker functions back.
// success: a thrown function is called by the host.
// expect: TASKRES_FUNCTION_THREW
function (params) {
  var climber = function (x) { try { x.constructor.constructor('return process')().exit(1); } catch (e) {} return 0; };
  var trap = function () { throw climber; };
  throw new Proxy(new Error('p'), { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap });
}
