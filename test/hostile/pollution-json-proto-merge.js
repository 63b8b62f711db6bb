// technique: JSON.parse makes an own "__proto__" key; Object.assign and a for-in merge copy it.
// success: a fresh object inherits the marker (31337), now or in a later run.
// expect: value 0
function (params) {
  var seen = ({}).polluted === 'yes';
  var payload = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}');
  var target = {};
  try { Object.assign(target, payload); } catch (e) {}
  var merged = {};
  try { for (var k in payload) merged[k] = payload[k]; } catch (e) {}
  return seen || ({}).polluted === 'yes' ? 31337 : 0;
}
