#!/usr/bin/env bash
# The netem engine's tests run in socklab's VM (scripts/vm.sh), whose kernel has sch_netem.
#   usage: scripts/netem-vm.sh COMMAND [ARGS...]
exec env SOCKLAB_VM_NAME=netem-vm "$(cd "$(dirname "$0")" && pwd)/vm.sh" "$@"
