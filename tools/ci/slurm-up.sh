#!/usr/bin/env bash
# Start a single-node Slurm cluster on this machine (controller, compute node and munge all on
# localhost), for CI and for developers who want to try `srun`/`sbatch` launches of bin/matrix.
#
# Usage:
#   eval "$(tools/ci/slurm-up.sh)"            # or: eval "$(tools/ci/slurm-up.sh | tail -1)"
#   srun -n 2 --mpi=pmix hostname
#   sbatch --wait jobs/matrix.sbatch --tasks 100
#   tools/ci/slurm-down.sh                    # stop it (--purge also deletes the state dir)
#
# Idempotent: installs what is missing (Debian packages, once), writes the config, creates a munge
# key if there is none, starts munged, slurmctld and slurmd, waits (at most MATRIX_SLURM_WAIT
# seconds) until the node is idle (or runs only jobs submitted since it started). If the cluster
# already runs with the same config it only prints the export line; if the config changed, or a
# daemon died, it restarts the Slurm daemons, and cancels the jobs that a crashed run left behind.
# Progress goes to stderr; stdout gets exactly one line: `export SLURM_CONF=<dir>/slurm.conf`.
# On any failure it prints the tails of the daemons' logs and exits non-zero.
#
# Environment:
#   MATRIX_SLURM_DIR     state dir: config, state, spool, logs, pid files (default /tmp/matrix-slurm)
#   MATRIX_SLURM_CPUS    CPUs the node advertises (default: max(nproc, 8)). More than the real core
#                        count is deliberate: each rank is multi-threaded and mostly waits on LLM
#                        servers, so `srun -n 3` (or two jobs at once) must fit on a 2-core box.
#   MATRIX_SLURM_PORT    slurmctld port (default 6817); slurmd uses the next one.
#   MATRIX_SLURM_WAIT    seconds to wait for the node to become ready (default 30)
#   MATRIX_SLURM_NO_INSTALL=1   never call apt-get (fail if something is missing)
#   MATRIX_SLURM_DEBUG   SlurmctldDebug/SlurmdDebug level (default info; debug2 to chase a problem)
set -euo pipefail

DIR="${MATRIX_SLURM_DIR:-/tmp/matrix-slurm}"
CONF="$DIR/slurm.conf"
WAIT="${MATRIX_SLURM_WAIT:-30}"
PORT="${MATRIX_SLURM_PORT:-6817}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf 'slurm-up: %s\n' "$*" >&2; }

dump_logs() {
  local f
  if [[ -f "$CONF" ]] && SLURM_CONF="$CONF" timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; then
    printf '\n===== sinfo / squeue / scontrol show node =====\n' >&2
    SLURM_CONF="$CONF" timeout 5 sinfo -N -l >&2 || true
    SLURM_CONF="$CONF" timeout 5 squeue -t all >&2 || true
    SLURM_CONF="$CONF" timeout 5 scontrol show node >&2 || true
  fi
  for f in "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" /var/log/munge/munged.log; do
    if [[ -s "$f" ]]; then
      printf '\n===== tail -n 40 %s =====\n' "$f" >&2
      tail -n 40 "$f" >&2 || true
    fi
  done
}

started=0
die() {
  log "ERROR: $*"
  dump_logs
  if ((started)); then
    # Leave nothing half-started behind (the logs stay in the state dir).
    MATRIX_SLURM_DIR="$DIR" "$HERE/slurm-down.sh" >&2 || true
  fi
  exit 1
}

# alive PIDFILE NAME: the pid in PIDFILE is a live process whose command is NAME.
alive() {
  local pid
  [[ -s "$1" ]] || return 1
  pid="$(tr -dc '0-9' <"$1")"
  [[ -n "$pid" ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2" ]] || return 1
  # A killed daemon can linger for a moment as a zombie: that is not running.
  local st
  st="$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$pid/stat" 2>/dev/null)"
  [[ -n "$st" && "$st" != Z && "$st" != X ]] || return 1
}

# ---------------------------------------------------------------- packages
if [[ "$(id -u)" != 0 ]]; then
  die "must run as root (it installs packages and starts munged/slurmd)"
fi

need=()
for pair in slurmctld:slurmctld slurmd:slurmd srun:slurm-client sinfo:slurm-client \
            munged:munge unmunge:munge; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
# srun --mpi=pmix uses Slurm's pmix plugin, which loads the PMIx library that libopenmpi-dev brings: check each
# package, not mpiexec alone (a machine with openmpi-bin but not libopenmpi-dev fails with "can not load PMIx library").
for package in openmpi-bin libopenmpi-dev; do
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || need+=("$package")
  elif ! command -v mpiexec >/dev/null 2>&1; then
    need+=("$package")
  fi
done
if ((${#need[@]})); then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  [[ "${MATRIX_SLURM_NO_INSTALL:-0}" == 1 ]] && die "missing packages: ${need[*]} (MATRIX_SLURM_NO_INSTALL=1)"
  log "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 || die "apt-get install failed"
fi

# ---------------------------------------------------------------- config
HOST="$(hostname -s)"
NPROC="$(nproc)"
CPUS="${MATRIX_SLURM_CPUS:-$(( NPROC > 8 ? NPROC : 8 ))}"
MEM_MB="$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)"
[[ "$CPUS" =~ ^[1-9][0-9]*$ ]] || die "MATRIX_SLURM_CPUS must be a positive integer, got '$CPUS'"
[[ "$PORT" =~ ^[1-9][0-9]*$ ]] || die "MATRIX_SLURM_PORT must be a port number, got '$PORT'"

mkdir -p "$DIR"/{state,spool,log,run}
# One slurm-up at a time per state dir (parallel CI steps may all call it).
exec 9>"$DIR/run/slurm-up.lock"
flock -w 120 9 || die "another slurm-up.sh holds $DIR/run/slurm-up.lock"

new_conf="$(cat <<EOF
# Generated by tools/ci/slurm-up.sh: a single-node cluster on localhost. Do not edit: the script
# rewrites it (and restarts the daemons) whenever what it would write differs.
ClusterName=matrix
SlurmctldHost=${HOST}(127.0.0.1)
SlurmctldPort=${PORT}
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
# The node advertises CPUS=${CPUS} on ${NPROC} real cores: config_overrides keeps slurmd from
# draining it for having fewer cores than configured. CR_CPU: CPUs are the consumable resource,
# memory is not (a job without --mem does not take the whole node's memory).
SlurmdParameters=config_overrides
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
InactiveLimit=0
KillWait=5
MinJobAge=300
SlurmctldTimeout=30
SlurmdTimeout=30
StateSaveLocation=${DIR}/state
SlurmdSpoolDir=${DIR}/spool
SlurmctldPidFile=${DIR}/run/slurmctld.pid
SlurmdPidFile=${DIR}/run/slurmd.pid
SlurmctldLogFile=${DIR}/log/slurmctld.log
SlurmdLogFile=${DIR}/log/slurmd.log
SlurmctldDebug=${MATRIX_SLURM_DEBUG:-info}
SlurmdDebug=${MATRIX_SLURM_DEBUG:-info}
NodeName=${HOST} NodeAddr=127.0.0.1 NodeHostname=${HOST} CPUs=${CPUS} RealMemory=${MEM_MB} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
)"

# ---------------------------------------------------------------- munge
if [[ ! -s /etc/munge/munge.key ]]; then
  log "creating /etc/munge/munge.key"
  mkdir -p /etc/munge
  if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile=/etc/munge/munge.key --force >&2
  else
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
fi
chown munge:munge /etc/munge /etc/munge/munge.key
chmod 0700 /etc/munge
chmod 0400 /etc/munge/munge.key

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if ! munge_ok; then
  log "starting munged"
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 0755 /run/munge
  # --force: a stale socket or pid file left by a killed munged must not block the start.
  # 9>&-: a daemon must not inherit the lock's descriptor, or it would hold the lock for as long as it lives
  # and the next slurm-up.sh (a second ./build.sh test) would wait for it in vain.
  runuser -u munge -- munged --force >&2 9>&- || die "munged did not start"
  for _ in $(seq 1 20); do munge_ok && break; sleep 0.25; done
  munge_ok || die "munged is not answering (munge -n | unmunge)"
fi

export SLURM_CONF="$CONF"
EXPORT_LINE="export SLURM_CONF=$CONF"

node_state() { sinfo -h -N -n "$HOST" -o '%T' 2>/dev/null | head -n1; }
# Epoch seconds at which the running slurmd registered with slurmctld (0 if unknown).
slurmd_registered_at() {
  local t
  t="$(scontrol -o show node "$HOST" 2>/dev/null | tr ' ' '\n' | sed -n 's/^SlurmdStartTime=//p')"
  date -d "$t" +%s 2>/dev/null || echo 0
}

if [[ -f "$CONF" ]] && [[ "$(cat "$CONF")" == "$new_conf" ]] &&
   alive "$DIR/run/slurmctld.pid" slurmctld && alive "$DIR/run/slurmd.pid" slurmd; then
  case "$(node_state)" in
    idle | mixed | allocated | completing)
      log "already running ($CONF)"
      echo "$EXPORT_LINE"
      exit 0 ;;
  esac
  log "daemons run but the node is not ready: restarting"
fi

if alive "$DIR/run/slurmctld.pid" slurmctld || alive "$DIR/run/slurmd.pid" slurmd; then
  log "stopping the running daemons (config changed or node not ready)"
fi
# Also when nothing runs: it clears what a crashed cluster left behind (job steps, pid files).
MATRIX_SLURM_DIR="$DIR" "$HERE/slurm-down.sh" >&2 || die "could not stop the running daemons"
# Nothing of this cluster runs now: what slurmd left in its spool (sockets of job steps, revoked
# credentials) only describes dead steps, and would make the new slurmd report them as running.
find "$DIR/spool" -mindepth 1 -delete 2>/dev/null || true
printf '%s\n' "$new_conf" >"$CONF"

# ---------------------------------------------------------------- slurm
log "starting slurmctld and slurmd ($CONF, node $HOST, $CPUS CPUs on $NPROC cores)"
rm -f "$DIR/run/slurmctld.pid" "$DIR/run/slurmd.pid"
started=1
start=$(date +%s)
deadline=$(( start + WAIT ))
slurmctld -f "$CONF" >&2 9>&- || die "slurmctld did not start"
# slurmd registers with slurmctld once, as it starts: start it only when slurmctld answers, or the
# node stays "not responding" (and a kill sent to it is lost) until slurmctld's next ping.
until scontrol ping 2>/dev/null | grep -q 'is UP'; do
  (( $(date +%s) < deadline )) || die "slurmctld not answering after ${WAIT}s"
  if (( $(date +%s) >= start + 3 )); then
    alive "$DIR/run/slurmctld.pid" slurmctld || die "slurmctld exited"
  fi
  sleep 0.2
done
# Jobs that slurmctld recovered from its state dir belong to daemons that are gone: slurm-down.sh
# cancels its jobs, so these outlived a crash or a kill. Nothing runs them any more, but they would
# hold their CPUs for ever. Note them now, before anyone can submit a new one.
stale="$(squeue -h -o '%i' 2>/dev/null || true)"
slurmd -f "$CONF" >&2 9>&- || die "slurmd did not start"

resumed=0
cancelled=0
state=""
while :; do
  state="$(node_state || true)"
  now=$(date +%s)
  if ((!cancelled)) && [[ -n "$state" ]]; then
    if [[ -z "$stale" ]]; then
      cancelled=1
    elif (( now >= start + 3 )) && (( $(slurmd_registered_at) >= start )); then
      # A kill sent while slurmctld is still starting can be lost: wait until slurmd has
      # registered and slurmctld has run for 3 s.
      log "cancelling jobs left by a previous run: $(echo "$stale" | tr '\n' ' ')"
      # shellcheck disable=SC2086 # one job id per word
      scancel $stale >&2 || true
      cancelled=$now
      sleep 0.5
      continue   # read the node's state again
    fi
  fi
  if ((cancelled)); then
    # Ready: slurmd answers (no '*' or other flag after the state). 'mixed' or 'allocated' means
    # that jobs run: right after cancelling stale jobs, give their CPUs 10 s to come back; after
    # that (or with no stale job) they are jobs submitted since, by other users of the cluster.
    case "$state" in
      idle) break ;;
      mixed | allocated)
        if [[ -z "$stale" ]] || (( now >= cancelled + 10 )); then break; fi ;;
    esac
  fi
  case "$state" in
    down* | drain* | fail*)
      if ((!resumed)); then
        log "node is '$state': resuming it"
        scontrol update NodeName="$HOST" State=RESUME >&2 || true
        resumed=1
      fi ;;
  esac
  if (( now >= start + 3 )); then   # the daemons write their pid files once they have forked
    alive "$DIR/run/slurmctld.pid" slurmctld || die "slurmctld exited"
    alive "$DIR/run/slurmd.pid" slurmd || die "slurmd exited"
  fi
  (( now < deadline )) || die "node '$HOST' not ready after ${WAIT}s (state: '${state:-no answer}')"
  sleep 0.5
done
alive "$DIR/run/slurmd.pid" slurmd || die "slurmd is not running"

log "node $HOST is up ($state)"
echo "$EXPORT_LINE"
