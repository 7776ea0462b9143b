#!/usr/bin/env bash
# Installs the Prometheus server (Debian's `prometheus`, 2.42 on Debian 12) when its binary is missing: the
# metrics tests start one by hand (no systemd) to scrape a multi-rank job. Needs root (or sudo). Prints the version.
set -euo pipefail

if ! command -v prometheus >/dev/null 2>&1; then
  echo "install-prometheus.sh: installing prometheus" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-prometheus.sh: not root and no sudo: install prometheus yourself" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

command -v prometheus >/dev/null 2>&1 || { echo "install-prometheus.sh: prometheus still missing after the install" >&2; exit 1; }
prometheus --version 2>&1 | head -n 1
