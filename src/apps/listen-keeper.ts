// Holds a duplicate of the iterative server's welcome socket so that the server can close its own
// descriptor while it serves one client. The socket stays in LISTEN state and the kernel queues
// new connections in its accept queue, up to the backlog, exactly as in the textbook's
// single-threaded server that is busy and not calling accept(). Never accepts anything itself.
let held: unknown = null;

process.on('message', (msg: unknown, handle: unknown) => {
  if (msg === 'hold' && handle) {
    held = handle;
    process.send?.('held');
  } else if (msg === 'give' && held) {
    process.send?.('handle', held as never);
  }
});
// The server is gone: nothing left to hold the socket for.
process.on('disconnect', () => process.exit(0));
