#!/bin/bash
# Integration check of scripts/slurm on a real single-node Slurm cluster started here: installs
# slurmctld, slurmd, slurm-client, munge and python3 (Debian) when missing, starts munged,
# slurmctld and slurmd on private ports with every file in a scratch folder, runs a --quick
# estimate as a 3-task job array plus the dependent merge, compares the merged results with an
# unsharded run of the same options, and stops every daemon it started (also on failure, which
# it reports with the ends of the logs and a non-zero exit). Needs root; run from anywhere;
# .ci/run runs it after the tests.
#
#   scripts/slurm/test_local_cluster.sh            # uses .build/release/ceiling
#
# Prints the time of the unsharded run, of each shard (from its record) and of the merge.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
ceiling=${CEILING:-$root/.build/release/ceiling}
[ -x "$ceiling" ] || { echo "Error: $ceiling not built (swift build -c release)" >&2; exit 1; }
# Three attacked-point chunks, so that each shard attacks points of its own; the two LeNets
# (a transfer pair, the bundled real images) without the ResNet, which would double the time.
options=(--quick --samples 12 --chunk 4 --classifier generators/lenet.bin --classifier generators/lenet_pgd.bin)

missing=()
for need in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge python3:python3; do
    command -v "${need%%:*}" >/dev/null || missing+=("${need#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

scratch=$(mktemp -d -t ceiling-slurm.XXXXXX)
chmod 755 "$scratch"
daemons=()
cleanup() {
    status=$?
    # Jobs first, while slurmctld is up (killing slurmd alone leaves slurmstepd and the jobs).
    if [ -n "${jobs:-}" ]; then scancel $jobs 2>/dev/null || true; sleep 1; fi
    for ((k = ${#daemons[@]} - 1; k >= 0; k--)); do
        kill "${daemons[k]}" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "${daemons[k]}" 2>/dev/null || break; sleep 0.2; done
        kill -9 "${daemons[k]}" 2>/dev/null || true
    done
    if [ $status -eq 0 ]; then rm -rf "$scratch"; return; fi
    # Loud, with the logs' ends, since a CI machine's scratch folder is gone afterwards.
    echo "Error: the Slurm integration check failed (exit status $status); the ends of its logs follow (all kept in $scratch)" >&2
    for log in "$scratch"/whole.log "$scratch"/jobs/logs/*.out "$scratch"/slurmctld.log "$scratch"/slurmd.log "$scratch"/munge/munged.log; do
        if [ -f "$log" ]; then echo "== $log" >&2; tail -n 15 "$log" >&2; fi
    done
}
trap cleanup EXIT

# munge, on its own socket, as the munge user.
mkdir -p "$scratch/munge"
chown munge:munge "$scratch/munge"
# A key of its own in the scratch folder: the machine's munge set-up is left as it is.
runuser -u munge -- mungekey --create --keyfile="$scratch/munge/munge.key"
runuser -u munge -- munged --key-file="$scratch/munge/munge.key" --socket="$scratch/munge/socket" \
    --pid-file="$scratch/munge/munged.pid" --log-file="$scratch/munge/munged.log" --seed-file="$scratch/munge/seed"
for _ in $(seq 50); do [ -s "$scratch/munge/munged.pid" ] && break; sleep 0.1; done
daemons+=("$(cat "$scratch/munge/munged.pid")")

export SLURM_CONF=$scratch/slurm.conf
host=$(hostname -s)
mkdir -p "$scratch/state" "$scratch/spool"
cat > "$SLURM_CONF" <<CONF
ClusterName=ceilingcheck
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$scratch/munge/socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$scratch/state
SlurmdSpoolDir=$scratch/spool
SlurmctldPidFile=$scratch/slurmctld.pid
SlurmdPidFile=$scratch/slurmd.pid
SlurmctldLogFile=$scratch/slurmctld.log
SlurmdLogFile=$scratch/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$scratch/jobcomp.txt
MailProg=/bin/true
DependencyParameters=kill_invalid_depend
ReturnToService=2
$(slurmd -C | head -1) NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=check Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -f "$SLURM_CONF" >"$scratch/slurmctld.out" 2>&1 &
daemons+=($!)
slurmd -D -f "$SLURM_CONF" >"$scratch/slurmd.out" 2>&1 &
daemons+=($!)
for _ in $(seq 100); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 0.2; done
sinfo -h -o %T | grep -q idle || { echo "Error: the Slurm node did not come up (see $scratch)" >&2; exit 1; }

seconds() { date +%s.%N; }
echo "unsharded: ceiling estimate ${options[*]}"
t0=$(seconds)
"$ceiling" estimate "${options[@]}" --out "$scratch/whole" >"$scratch/whole.log" 2>&1
t1=$(seconds)

echo "sharded: scripts/slurm/submit.sh 3 ... ${options[*]} (1 CPU per task)"
read -r array merge < <(CEILING=$ceiling SBATCH_EXTRA="--cpus-per-task=1" scripts/slurm/submit.sh 3 "$scratch/jobs" "$scratch/merged" "${options[@]}")
jobs="$array $merge"
t2=$(seconds)
deadline=$((SECONDS + 1200))
while [ -n "$(squeue -h -j "$array,$merge" 2>/dev/null)" ]; do
    [ $SECONDS -lt $deadline ] || { echo "Error: the jobs did not end within 20 minutes" >&2; exit 1; }
    sleep 1
done
t3=$(seconds)
jobs=
grep -h "JobId=" "$scratch/jobcomp.txt" | sed 's/ /\n/g' | grep -E '^(JobId|Name|JobState|ExitCode)=' | paste -d' ' - - - - || true
[ -f "$scratch/merged/results.json" ] || { echo "Error: the merge wrote no results (logs: $scratch/jobs/logs)" >&2; exit 1; }

python3 - "$scratch" <<'PY'
import json, sys
scratch = sys.argv[1]
def load(folder):
    with open(f"{scratch}/{folder}/results.json") as f:
        results = json.load(f)
    return results, results.pop("stage_seconds")
whole, _ = load("whole")
merged, seconds = load("merged")
for i in (1, 2, 3):
    with open(f"{scratch}/jobs/shard-{i}/shard.json") as f:
        record = json.load(f)
    print(f"shard {i}/3: {record['seconds']:.1f} s computing its points")
same = json.dumps(whole, sort_keys=True) == json.dumps(merged, sort_keys=True)
csv = all(open(f"{scratch}/whole/{n}").read() == open(f"{scratch}/merged/{n}").read() for n in ("robustness.csv", "percentiles.csv"))
print("merged results.json equal to the unsharded one (stage_seconds aside):", same)
print("robustness.csv and percentiles.csv identical:", csv)
sys.exit(0 if same and csv else 1)
PY
grep -h "merged 3 shards" "$scratch/jobs/logs/merge.out"
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN { printf "unsharded run %.1f s; array + merge %.1f s from submission to the end\n", b - a, d - c }'
