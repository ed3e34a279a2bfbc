#!/bin/bash
# Submits a ceiling estimate as a Slurm job array of N shards and a merge that runs only when
# every shard succeeded. Run it from the folder holding the models (paths are recorded as given
# and the merge reloads them from there).
#
#   scripts/slurm/submit.sh N WORK OUT [estimate options...]
#   CEILING_COMMAND=robustness scripts/slurm/submit.sh N WORK OUT [robustness options...]
#
# WORK gets shard-1 ... shard-N and logs/, OUT the results (results.json, CSV, plots; for
# robustness, modulus and transfer the file their --json writes).
# Prints the array's and the merge's job ids. Extra sbatch options: $SBATCH_EXTRA (e.g. a
# partition or account). To rerun one failed shard i alone and then merge:
#   CEILING_RERUN=i scripts/slurm/submit.sh N WORK OUT [the same options]
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: [CEILING_COMMAND=robustness|modulus|transfer] $0 N WORK OUT [options...]" >&2
    exit 64
fi
n=$1 work=$2 out=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
export CEILING=${CEILING:-$(pwd)/.build/release/ceiling}
export CEILING_COMMAND=${CEILING_COMMAND:-estimate} CEILING_SHARDS=$n CEILING_WORK=$work CEILING_OUT=$out CEILING_ARGS="$*"
mkdir -p "$work/logs"
tasks=${CEILING_RERUN:-1-$n}
# shellcheck disable=SC2086  # SBATCH_EXTRA holds several options
array=$(sbatch --parsable ${SBATCH_EXTRA:-} --array="$tasks" --chdir="$(pwd)" \
    --output="$work/logs/shard-%a.out" "$here/shard.sbatch")
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_EXTRA:-} --dependency="afterok:$array" --kill-on-invalid-dep=yes --chdir="$(pwd)" \
    --output="$work/logs/merge.out" "$here/merge.sbatch")
echo "$array $merge"
