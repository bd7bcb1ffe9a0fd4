// The two transports the lab's programs speak: every part that names one (an assignment, a lab
// server, a socket script, a port that listens) uses this name.

export type Proto = 'udp' | 'tcp';
export const PROTOS: readonly Proto[] = ['udp', 'tcp'];
