// technique: writes markers through ({}).__proto__, Object.prototype and Array.prototype.
// success: an earlier run's marker is visible on a fresh object (31337).
// expect: value 0
function (params) {
  var seen = ({}).polluted === 'yes' || [].polluted === 'yes';
  try { ({}).__proto__.polluted = 'yes'; } catch (e) {}
  try { Object.prototype.polluted = 'yes'; } catch (e) {}
  try { Array.prototype.polluted = 'yes'; } catch (e) {}
  try { params.constructor.prototype.polluted = 'yes'; } catch (e) {}
  return seen ? 31337 : 0;
}
