#!/usr/bin/env bash
# Stop the single-node Slurm cluster started by tools/ci/slurm-up.sh.
#
# Usage: tools/ci/slurm-down.sh [--purge]
#   Cancels the jobs still in the queue, then stops slurmd and slurmctld by the pids in their pid
#   files under MATRIX_SLURM_DIR (default /tmp/matrix-slurm): SIGTERM, then SIGKILL after 10 s.
#   munged is left running (it is a machine-wide service that other tools may use).
#   --purge  also deletes the state dir (config, job state, logs).
# Safe to run when nothing is running.
set -euo pipefail

DIR="${MATRIX_SLURM_DIR:-/tmp/matrix-slurm}"
CONF="$DIR/slurm.conf"
purge=0
for arg in "$@"; do
  case "$arg" in
    --purge) purge=1 ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "slurm-down: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

log() { printf 'slurm-down: %s\n' "$*" >&2; }

# running PID: the process exists and is not a zombie (a killed daemon can linger as one).
running() {
  local st
  st="$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$1/stat" 2>/dev/null)"
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}

# pid_of PIDFILE NAME: print the pid if it is a running process whose command is NAME.
pid_of() {
  local pid
  [[ -s "$1" ]] || return 1
  pid="$(tr -dc '0-9' <"$1")"
  [[ -n "$pid" ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2" ]] || return 1
  running "$pid" || return 1
  echo "$pid"
}

# Cancel what is still queued or running, so that no job step outlives the daemons.
if [[ -f "$CONF" ]] && pid_of "$DIR/run/slurmctld.pid" slurmctld >/dev/null; then
  jobs="$(SLURM_CONF="$CONF" timeout 10 squeue -h -o '%i' 2>/dev/null || true)"
  if [[ -n "$jobs" ]]; then
    log "cancelling jobs: $(echo "$jobs" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # one job id per word
    SLURM_CONF="$CONF" timeout 10 scancel $jobs || true
    for _ in $(seq 1 20); do
      [[ -z "$(SLURM_CONF="$CONF" timeout 5 squeue -h -o '%i' 2>/dev/null || true)" ]] && break
      sleep 0.5
    done
  fi
fi

status=0
for name in slurmd slurmctld; do
  pidfile="$DIR/run/$name.pid"
  if ! pid="$(pid_of "$pidfile" "$name")"; then
    rm -f "$pidfile"
    continue
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    running "$pid" || break
    sleep 0.25
  done
  if running "$pid"; then
    log "$name (pid $pid) ignored SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
    if running "$pid"; then
      log "ERROR: $name (pid $pid) is still alive"
      status=1
      continue
    fi
  fi
  rm -f "$pidfile"
done

# Job steps whose slurmstepd outlived slurmd (e.g. slurmctld was killed while a step was ending: the
# stepd then retries its completion message for minutes). They are ours if their working directory
# is in the state dir (slurmd and its stepds run in the directory of SlurmdLogFile).
stepds=()
for d in /proc/[0-9]*; do
  [[ "$(cat "$d/comm" 2>/dev/null)" == slurmstepd ]] || continue
  cwd="$(readlink "$d/cwd" 2>/dev/null || true)"
  [[ "$cwd" == "$DIR" || "$cwd" == "$DIR"/* ]] || continue
  stepds+=("${d#/proc/}")
done
if ((${#stepds[@]})); then
  log "stopping leftover slurmstepd: ${stepds[*]}"
  kill -TERM "${stepds[@]}" 2>/dev/null || true
  for _ in $(seq 1 20); do
    left=()
    for pid in "${stepds[@]}"; do
      if running "$pid"; then left+=("$pid"); fi
    done
    ((${#left[@]})) || break
    sleep 0.25
  done
  for pid in "${stepds[@]}"; do
    if running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
fi

if ((purge)) && ((status == 0)); then
  log "removing $DIR"
  rm -rf "$DIR"
fi
exit "$status"
