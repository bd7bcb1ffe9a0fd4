// Gradescope's autograder for an assignment, as the files of its zip: setup.sh (run once when
// Gradescope builds the grading image: the packages, socklab, the vm backend's guest) and
// run_autograder (run per submission: find the program, judge it in the guest, write
// /autograder/results/results.json). Grading needs no network, no capability, root or not: the
// vm backend's guest is a QEMU process like any other. Pure: the CLI adds socklab's own files.
import type { ZipEntry } from './zip-file.ts';

export interface AutograderOptions {
  /** What `--assignment` is given in the grading image: a name, or the shipped file's path. */
  assignmentRef: string;
  role: 'server' | 'client';
  /** The file a student submits (any folder, any case). */
  program: string;
  version: string;
  /** The dependencies shipped in the zip (node_modules/NAME), so that setup needs no npm registry. */
  shippedDeps: string[];
}

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

export function setupScript(o: AutograderOptions): string {
  return `#!/usr/bin/env bash
# socklab ${o.version}'s autograder set-up: Gradescope runs this once, as root, when it builds the
# grading image (the package mirror is reachable then, and only then).
set -euo pipefail
cd /autograder/source
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The vm backend's guest (qemu, a static busybox, cpio), what the lab's hosts run (iproute2,
# ethtool, util-linux's unshare, nsenter, prlimit, setpriv; curl, the web server's verdicts fetch
# with it), and what students write in.
apt-get install -y -qq --no-install-recommends qemu-system-x86 busybox-static cpio iproute2 ethtool \\
  util-linux procps python3 gcc libc6-dev ca-certificates curl >/dev/null
# Node 24 (socklab runs its TypeScript directly), unless the image has a new enough one.
if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 24 ? 0 : 1)' 2>/dev/null; then
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  npm install -g --prefix /usr/local node@24
  hash -r
fi
# socklab, from the zip, with its dependencies.
rm -rf /opt/socklab && mkdir -p /opt/socklab
tar -xzf socklab.tgz -C /opt/socklab --strip-components=1
if [ -d node_modules ]; then cp -r node_modules /opt/socklab/; else (cd /opt/socklab && npm install --omit=dev --ignore-scripts); fi
ln -sf /opt/socklab/bin/socklab.js /usr/local/bin/socklab
# linkd's native data plane (gcc, Node's headers); where it cannot be built, linkd uses dgram.
sh /opt/socklab/native/build.sh
chmod +x /autograder/source/run_autograder
# The guest: Debian's kernel (by package name, unpacked, cached), its initramfs; booted once.
socklab images --vm
# Grading may run as another user: the guest's cache is theirs to read.
chmod -R a+rX /var/cache/socklab-vm /opt/socklab
`;
}

export function runAutograder(o: AutograderOptions): string {
  const check = `socklab check --assignment ${q(o.assignmentRef)} --${o.role} "$prog" --backend "\${SOCKLAB_BACKEND:-vm}" --gradescope "$out"`;
  return `#!/usr/bin/env bash
# socklab ${o.version}'s autograder: judges the submission's ${o.program} (${o.role}) in the vm
# backend's guest and writes Gradescope's results.json. No network, no capability needed.
set -uo pipefail
mkdir -p /autograder/results
out=/autograder/results/results.json
log=/autograder/results/socklab.log
# A results.json that says why there is no score (node writes the JSON: any text is safe in it).
say() {
  node -e 'require("fs").writeFileSync(process.argv[1], JSON.stringify({ score: 0, output: process.argv[2] }, null, 2) + "\\n")' "$out" "$1"
}
prog=$(find /autograder/submission -maxdepth 3 -type f -iname ${q(o.program)} | head -1)
if [ -z "$prog" ]; then
  say "socklab found no ${o.program} in your submission (any folder, any case). Submit your ${o.role} as ${o.program}."
  exit 0
fi
rm -f "$out"
${check} >"$log" 2>&1
if [ ! -s "$out" ]; then
  say "socklab could not judge your ${o.program}: this is the autograder's problem, not yours; your instructor has been shown why. $(tail -3 "$log" | tr '\\n' ' ')"
fi
# The score is in results.json: a failed check is not an autograder error.
exit 0
`;
}

/** The zip's own files; socklab.tgz and node_modules/ are added beside them. */
export function autograderFiles(o: AutograderOptions): ZipEntry[] {
  return [
    { path: 'setup.sh', data: Buffer.from(setupScript(o)), mode: 0o755 },
    { path: 'run_autograder', data: Buffer.from(runAutograder(o)), mode: 0o755 },
    {
      path: 'README.txt',
      data: Buffer.from(
        `socklab ${o.version} autograder: ${o.role} ${o.program} against ${o.assignmentRef}.\nUpload this zip as a Gradescope programming assignment's autograder (Debian-based image).\nsetup.sh installs socklab and prepares the vm backend's guest; run_autograder grades with no network and no capability.\nShipped dependencies: ${o.shippedDeps.join(', ') || 'none (setup.sh fetches them with npm)'}.\n`,
      ),
    },
  ];
}
