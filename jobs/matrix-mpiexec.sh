#!/usr/bin/env bash
# Run a Matrix scenario with a plain mpiexec launch: a workstation, or a cluster without Slurm.
#
#   jobs/matrix-mpiexec.sh                                     # 2 ranks, coral, sample data
#   RANKS=4 SCENARIO=nr OUT=runs/nr1 jobs/matrix-mpiexec.sh --input web.jsonl.zst --tasks 10000
#   RANKS=2 jobs/matrix-mpiexec.sh --llm http://localhost:8000/v1 --model my-model
#   MPIEXEC_ARGS="--hostfile hosts.txt --map-by ppr:1:node" RANKS=8 jobs/matrix-mpiexec.sh ...
#
# Arguments go to `matrix run` unchanged. Environment:
#   RANKS            number of ranks (default: SLURM_NTASKS inside salloc/sbatch, else 2)
#   SCENARIO         scenario to run (default coral)
#   OUT              output directory (default out/mpiexec-<date>-<time>); ignored if you pass --out
#   MATRIX_BIN       the matrix binary (default ./bin/matrix, relative to the current directory)
#   MPIEXEC          the launcher (default mpiexec)
#   MPIEXEC_ARGS     extra launcher arguments, split on spaces (hostfile, mapping, ...)
#   MATRIX_OVERSUBSCRIBE=1  let OpenMPI start more ranks than there are cores (set automatically
#                    when RANKS > nproc and the launcher is OpenMPI's)
#   MATRIX_ALLOW_ROOT=1     let OpenMPI run as root (set automatically when you are root: containers, CI)
#
# Each rank is a multi-threaded process with up to --concurrency tasks in flight (default 1024);
# tasks in flight in all = RANKS x concurrency. On one workstation 1-2 ranks are usually enough:
# ranks mostly wait on the LLM servers. Every rank writes part-<rank>-<seq>.arrow into the same
# output directory, and rank 0 writes manifest.json; across several hosts that directory must be on
# a shared filesystem.
set -euo pipefail

ranks="${RANKS:-${SLURM_NTASKS:-2}}"
scenario="${SCENARIO:-coral}"
matrix="${MATRIX_BIN:-./bin/matrix}"
launcher="${MPIEXEC:-mpiexec}"

if [[ ! "$ranks" =~ ^[1-9][0-9]*$ ]]; then
  echo "matrix-mpiexec.sh: RANKS must be a positive integer, got '$ranks'" >&2
  exit 2
fi
if [[ ! -x "$matrix" ]]; then
  echo "matrix-mpiexec.sh: $matrix is not an executable (build it with ./build.sh, or set MATRIX_BIN)" >&2
  exit 2
fi
if ! command -v "$launcher" >/dev/null 2>&1; then
  echo "matrix-mpiexec.sh: '$launcher' not found (Debian: apt-get install openmpi-bin libopenmpi-dev)" >&2
  exit 2
fi

launch=("$launcher")
if [[ -n "${MPIEXEC_ARGS:-}" ]]; then
  read -r -a extra <<<"$MPIEXEC_ARGS"
  launch+=("${extra[@]}")
fi

# OpenMPI refuses to run as root, and to start more ranks than cores, unless told to. MPICH's
# mpiexec (hydra) has neither rule and rejects these flags, so add them only for OpenMPI.
if "$launcher" --version 2>&1 | grep -qi 'open mpi\|openrte'; then
  if [[ "${MATRIX_ALLOW_ROOT:-}" == 1 || ( -z "${MATRIX_ALLOW_ROOT:-}" && "$(id -u)" == 0 ) ]]; then
    launch+=(--allow-run-as-root)
  fi
  if [[ "${MATRIX_OVERSUBSCRIBE:-}" == 1 || ( -z "${MATRIX_OVERSUBSCRIBE:-}" && "$ranks" -gt "$(nproc)" ) ]]; then
    launch+=(--oversubscribe)
  fi
fi
launch+=(-n "$ranks")

out_args=()
has_out=0
for arg in "$@"; do
  case "$arg" in --out | --out=*) has_out=1 ;; esac
done
if ((!has_out)); then
  out="${OUT:-out/mpiexec-$(date +%Y%m%d-%H%M%S)}"
  mkdir -p "$out"
  out_args=(--out "$out")
fi

# .NET writes terminal escape bytes into the output under mpiexec unless TERM says no terminal.
export TERM=dumb

echo "matrix-mpiexec.sh: ${launch[*]} $matrix run $scenario ${out_args[*]} $*" >&2
exec "${launch[@]}" "$matrix" run "$scenario" "${out_args[@]}" "$@"
