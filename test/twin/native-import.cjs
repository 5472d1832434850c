// Node's own import(), loaded through require() so the test runner neither transforms nor wraps it:
// the Lambda bundles are built JavaScript already (see functions.ts).
module.exports = (url) => import(url);
