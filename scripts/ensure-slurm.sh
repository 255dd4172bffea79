# Installs, configures and starts a single-node Slurm cluster for the Slurm executor's service suite
# (TESTBED.md), unless one already answers. Sourced by scripts/ensure-services.sh, or run on its own:
# `bash scripts/ensure-slurm.sh`. Runs as root. Idempotent: running daemons are left alone, and a
# slurm.conf that this script did not write is never replaced.

baton_ensure_slurm() {
  local conf=/etc/slurm/slurm.conf
  local marker='# written by baton scripts/ensure-slurm.sh'
  local host cpus mem_mb real_mb wanted

  if ! command -v sbatch >/dev/null 2>&1 || ! command -v slurmctld >/dev/null 2>&1 ||
    ! command -v slurmd >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    echo "installing slurmctld slurmd slurm-client munge"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
  fi

  host="$(hostname -s)"
  cpus="$(nproc)"
  mem_mb="$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)"
  real_mb=$((mem_mb * 3 / 4))
  # Two cores take only two jobs at a time; OverSubscribe lets short jobs share them, as the tests and
  # the benchmark need. OverMemoryKill makes the accounting poller enforce --mem (no cgroups here).
  wanted="$marker
ClusterName=baton
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=512
MaxArraySize=10001
MaxJobCount=100000
MinJobAge=300
KillWait=5
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
NodeName=$host CPUs=$cpus RealMemory=$real_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:16"

  local changed=0
  if [ ! -f "$conf" ] || grep -qF "$marker" "$conf"; then
    if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$wanted" ]; then
      mkdir -p /etc/slurm
      printf '%s\n' "$wanted" >"$conf"
      changed=1
    fi
  fi
  mkdir -p /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm /run/munge

  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key 2>/dev/null || true
    chmod 400 /etc/munge/munge.key
  fi
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    munged --force
  fi

  if [ "$changed" = 1 ] && pgrep -x slurmctld >/dev/null; then
    # A new node or partition line needs both daemons restarted, not only reconfigured.
    local pidfile
    for pidfile in /run/slurmd.pid /run/slurmctld.pid; do
      [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    sleep 2
  fi
  pgrep -x slurmctld >/dev/null || slurmctld
  pgrep -x slurmd >/dev/null || slurmd

  local state='' i
  for i in $(seq 1 60); do
    state="$(sinfo -h -n "$host" -o '%T' 2>/dev/null | head -n 1)"
    case "$state" in
    idle* | mixed* | allocated* | completing*) break ;;
    down* | drain* | fail*) scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 1
  done
  case "$state" in
  idle* | mixed* | allocated* | completing*) echo "slurm: node $host $state" ;;
  *)
    echo "slurm: node $host did not come up (state '${state:-unknown}'); see /var/log/slurm/" >&2
    return 1
    ;;
  esac
}

baton_ensure_slurm
