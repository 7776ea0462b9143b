#!/usr/bin/env bash
# Runs every test and prints one closing line "N passed, N failed" summed over all test runs.
# Installs what the tests need first: the npm Arrow reader, OpenMPI, a single-node Slurm on
# localhost (started here, stopped at exit), and llama.cpp's llama-server with a tiny random-weight
# model for the [TestCategory("llama")] tests (built once, ~15 minutes, cached outside the repository;
# docs/real-llm-testing.md).
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 TERM=dumb

passed=0
failed=0

if [[ ! -d tools/arrow-reader/node_modules/apache-arrow ]]; then
  (cd tools/arrow-reader && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed in tools/arrow-reader"; echo "0 passed, 1 failed"; exit 1; }
fi

tools/ci/install-mpi.sh >&2 || { echo "installing OpenMPI failed"; echo "0 passed, 1 failed"; exit 1; }
tools/ci/install-prometheus.sh >&2 || { echo "installing Prometheus failed"; echo "0 passed, 1 failed"; exit 1; }
slurm_env=$(tools/ci/slurm-up.sh | tail -1) || { echo "starting the local Slurm failed"; echo "0 passed, 1 failed"; exit 1; }
eval "$slurm_env"
trap 'tools/ci/slurm-down.sh >/dev/null 2>&1 || true' EXIT

# The script's last line assigns MATRIX_LLAMA_SERVER, _MODEL, _TEMPLATE and _LIBS. Without them the llama
# tests fail under CI (CI=true), so a failed install is one failure here and theirs below.
if llama_env=$(tools/ci/install-llama-server.sh | tail -1) && [[ $llama_env == MATRIX_LLAMA_SERVER=* ]]; then
  eval "export $llama_env"
else
  echo "installing llama-server failed (tools/ci/install-llama-server.sh; its log is above)"; failed=$((failed + 1))
fi

format_log=$(mktemp)
# 0. The code is formatted as .editorconfig says (`./build.sh format` fixes it). Analyzers and code style already
# fail the build; this adds whitespace and the order of usings, which the compiler does not check.
if dotnet format Matrix.sln --verify-no-changes --no-restore >"$format_log" 2>&1; then
  echo "format: dotnet format --verify-no-changes: passed"; passed=$((passed + 1))
else
  echo "format: dotnet format --verify-no-changes: FAILED (./build.sh format fixes it)"; grep -E 'error' "$format_log" | head -40; failed=$((failed + 1))
fi
rm -f "$format_log"

# 1. The README's first command, exactly as a new user types it, checked by the independent reader.
smoke=$(mktemp -d)
if ./bin/matrix run coral --tasks 1000 --out "$smoke/coral" >"$smoke/log" 2>&1 \
   && node tools/arrow-reader/check-run.mjs "$smoke/coral" 1000; then
  echo "smoke: README command: passed"; passed=$((passed + 1))
else
  echo "smoke: README command: FAILED"; cat "$smoke/log"; failed=$((failed + 1))
fi
rm -rf "$smoke"

# 2. The MSTest suite.
log=$(mktemp)
dotnet test Matrix.Tests/Matrix.Tests.csproj -c Release --no-build --nologo \
  --blame-hang-timeout 5m 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
p=$(grep -Eo 'Passed:[[:space:]]+[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
f=$(grep -Eo 'Failed:[[:space:]]+[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
if [[ "$p" == 0 && "$f" == 0 && $status -ne 0 ]]; then
  f=$((f + 1)) # the test host crashed before reporting
fi
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
rm -f "$log"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $status -eq 0 ]]
