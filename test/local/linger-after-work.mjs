// Loaded with `node --import` into a `digest` process: once its work is done (the event loop is
// empty), it stays a second longer before exiting, as a process slowed down by a busy machine may.
// Whoever waits for it must wait for its exit, not only for the end of its work.
let lingered = false;
process.on("beforeExit", () => {
  if (lingered) return;
  lingered = true;
  setTimeout(() => {}, 1000);
});
