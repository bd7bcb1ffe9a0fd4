// A one-line progress bar on a terminal (stderr, so that --json on stdout stays clean); nothing
// when stderr is not a terminal, so logs and pipes get no control characters.

export function progressBar(stream: NodeJS.WriteStream = process.stderr) {
  const tty = stream.isTTY === true;
  return {
    update(done: number, total: number, label: string): void {
      if (!tty) return;
      const width = 30;
      const filled = Math.round((width * done) / Math.max(1, total));
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}\x1b[K`);
    },
    end(): void {
      if (tty) stream.write('\r\x1b[K');
    },
  };
}
