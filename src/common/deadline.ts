// A timeout that is judged after the event loop has read what waits in its sockets. Where the
// process stalled past a timeout (a busy machine, a pause, a collection), Node runs its due timers
// on waking before it polls for I/O, so a reply that arrived in time but was not read yet would be
// taken for none: a loss the network never made, or a student's program failed for the grader's
// own pause. setImmediate runs after the loop's poll phase, so the expiry waits that one turn.

export interface Deadline {
  /** Calls nothing any more: what was awaited came. */
  cancel(): void;
}

/** Calls `onExpire` `ms` from now, after one turn of the loop's I/O, unless cancelled first. */
export function deadline(ms: number, onExpire: () => void): Deadline {
  let turn: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    turn = setImmediate(onExpire);
  }, ms);
  return {
    cancel() {
      clearTimeout(timer);
      if (turn) clearImmediate(turn);
    },
  };
}
