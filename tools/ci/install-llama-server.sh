#!/usr/bin/env bash
# Builds llama.cpp's llama-server offline from the source bundled in the npm package node-llama-cpp
# and writes a tiny random-weight GGUF model for the tests. Both are cached outside the repository
# (MATRIX_CI_CACHE, default /var/cache/matrix-ci): the build takes ~15 minutes once on 2 cores, then
# this script only checks the cache. Prints, as its last line, shell assignments for the tests:
#   MATRIX_LLAMA_SERVER=<binary> MATRIX_LLAMA_MODEL=<gguf> MATRIX_LLAMA_TEMPLATE=<jinja> MATRIX_LLAMA_LIBS=<dir>
# (the binary needs LD_LIBRARY_PATH=$MATRIX_LLAMA_LIBS). test.sh exports them; see docs/real-llm-testing.md.
# Concurrent callers take turns on a lock: a second one waits for the first one's build.
# Needs: cmake, a C++ compiler, git, npm, python3 with numpy (Debian's python3-numpy), root for apt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${MATRIX_CI_CACHE:-/var/cache/matrix-ci}"
version=3.22.1
src="$cache/llama.cpp-$version"
bin="$src/build/bin/llama-server"
model="$cache/tiny-qwen2.gguf"
log() { echo "install-llama-server: $*" >&2; }

need_apt=()
command -v cmake >/dev/null 2>&1 || need_apt+=(cmake)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v git >/dev/null 2>&1 || need_apt+=(git)
/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || need_apt+=(python3-numpy)
/usr/bin/python3 -c 'import yaml' >/dev/null 2>&1 || need_apt+=(python3-yaml)
if (( ${#need_apt[@]} )); then
  log "installing ${need_apt[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

mkdir -p "$cache"
# One builder at a time (build and model): a second caller waits, then finds everything cached.
exec 9>"$cache/.llama-build.lock"
flock 9
if [[ ! -x "$bin" ]]; then
  if [[ ! -d "$src/.git" ]]; then
    tmp="$(mktemp -d)"
    log "fetching node-llama-cpp@$version from npm (the llama.cpp source bundle)"
    (cd "$tmp" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error \
        "node-llama-cpp@$version" "@node-llama-cpp/linux-x64@$version" --omit=optional --ignore-scripts >/dev/null)
    rm -rf "$src"
    git clone -q "$tmp/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$src"
    rm -rf "$tmp"
  fi
  log "building llama-server (~15 minutes once on 2 cores; cached in $cache)"
  cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_CURL=OFF -DGGML_NATIVE=ON >"$cache/llama-cmake.log" 2>&1 || { tail -30 "$cache/llama-cmake.log" >&2; exit 1; }
  cmake --build "$src/build" --target llama-server -j"$(nproc)" >"$cache/llama-build.log" 2>&1 \
    || { tail -30 "$cache/llama-build.log" >&2; exit 1; }
fi

# The model is rewritten when the generator or the vocabulary changes (a content stamp, not mtimes:
# a fresh checkout's files are always newer than the cache).
generator="$here/../llm/make-tiny-gguf.py"
vocab="$src/models/ggml-vocab-qwen2.gguf"
stamp="$(cat "$generator" "$vocab" | sha256sum | cut -c1-16)"
if [[ ! -s "$model" || "$(cat "$model.stamp" 2>/dev/null)" != "$stamp" ]]; then
  log "writing the random-weight model $model"
  PYTHONPATH="$src/gguf-py" /usr/bin/python3 "$generator" --vocab "$vocab" --out "$model.tmp"
  mv "$model.tmp" "$model"
  echo "$stamp" >"$model.stamp"
fi
exec 9>&-

template="$src/models/templates/Qwen-Qwen2.5-7B-Instruct.jinja"
[[ -f "$template" ]] || { log "chat template missing: $template"; exit 1; }
"$bin" --version >/dev/null 2>&1 || LD_LIBRARY_PATH="$src/build/bin" "$bin" --version >/dev/null 2>&1 \
  || { log "llama-server does not start"; exit 1; }
echo "MATRIX_LLAMA_SERVER=$bin MATRIX_LLAMA_MODEL=$model MATRIX_LLAMA_TEMPLATE=$template MATRIX_LLAMA_LIBS=$src/build/bin"
