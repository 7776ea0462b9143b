#!/usr/bin/env bash
# Installs OpenMPI (mpiexec + libmpi.so.40) when it is missing; does nothing when it is present.
# The MPI tests start real ranks with `mpiexec`; CI runs this before them. Needs root (or sudo) and
# the Debian package mirror. Prints the version it finds either way.
set -euo pipefail

if ! command -v mpiexec >/dev/null 2>&1; then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-mpi.sh: not root and no sudo: install openmpi-bin libopenmpi-dev yourself" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  # One index refresh, then the install.
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends openmpi-bin libopenmpi-dev >/dev/null
fi

command -v mpiexec >/dev/null 2>&1 || { echo "install-mpi.sh: mpiexec still missing after the install" >&2; exit 1; }
echo "mpiexec: $(command -v mpiexec)"
mpiexec --version 2>&1 | head -n 1
