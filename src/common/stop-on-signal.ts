/** Resolves when the program is asked to stop (Ctrl-C, docker stop), after `stop` has run. */
export function stopOnSignal(stop: () => void): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      stop();
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
