#!/usr/bin/env bash
# Installs OpenMPI when any part the tests use is missing: openmpi-bin (mpiexec, libmpi.so.40) and
# libopenmpi-dev (it brings the PMIx library that Slurm's `srun --mpi=pmix` loads). Each package is checked
# on its own: a machine with mpiexec but without libopenmpi-dev fails srun with "can not load PMIx library".
# CI runs this before the tests. Needs root (or sudo) and the Debian package mirror. Prints the version.
set -euo pipefail

installed() {
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
  else
    command -v mpiexec >/dev/null 2>&1 # not Debian: the best check there is
  fi
}

need=()
for package in openmpi-bin libopenmpi-dev; do
  installed "$package" || need+=("$package")
done

if ((${#need[@]})); then
  echo "install-mpi.sh: installing ${need[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-mpi.sh: not root and no sudo: install openmpi-bin libopenmpi-dev yourself" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  # One index refresh, then the install.
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

command -v mpiexec >/dev/null 2>&1 || { echo "install-mpi.sh: mpiexec still missing after the install" >&2; exit 1; }
echo "mpiexec: $(command -v mpiexec)"
mpiexec --version 2>&1 | head -n 1
