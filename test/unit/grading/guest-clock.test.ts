// The clock line of a check in the vm backend's guest: which accelerator and how the guest started,
// read from what the guest left beside the result and from what vm.sh said; a stale warm guest
// (a cold boot the user did not ask for) is said with the command that saves it again.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guestClock } from '../../../src/grading/vm-grading.ts';

const STALE =
  "socklab-vm: the warm guest is stale (socklab, node, Debian's packages or qemu changed since it was saved); booting cold; socklab images --vm saves it again";

function out(accel: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'socklab-clock-')), 'result.json');
  writeFileSync(`${file}.accel`, `${accel}\n`);
  return file;
}

describe('the vm backend’s clock line', () => {
  it('says how the guest started, and why a check that could restore one booted cold', () => {
    expect(guestClock(out('tcg warm'))).toContain('(a warm guest restored), QEMU TCG');
    expect(guestClock(out('kvm cold'))).toBe("the vm backend's guest (a guest booted), QEMU KVM");
    const stale = guestClock(out('tcg cold'), `booting\n${STALE}\n`);
    expect(stale).toContain('a guest booted, as the warm guest is stale: socklab images --vm saves it again');
    expect(stale).toContain('QEMU TCG');
  });
});
