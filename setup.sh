#!/usr/bin/env bash
# Idempotent setup: installs what is missing (Debian packages, npm packages)
# and builds. Safe to run again; does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages: the BPF toolchain (clang, bpftool, libbpf), what the
# native addon links with, and tools the tests compare against
# (prometheus, libbpf-tools, bpftrace), drive workloads with (iproute2,
# nftables, iperf3, fio) or render flame graphs in (chromium).
APT_PACKAGES=(clang llvm make g++ libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
  prometheus libbpf-tools bpftrace iproute2 nftables iperf3 fio chromium)

say() { printf 'setup: %s\n' "$*" >&2; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    say "missing Debian packages: ${missing[*]}; run this script as root, or install them yourself"
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The Debian package starts a system-wide prometheus; the agent's tests start their own.
  systemctl disable --now prometheus >/dev/null 2>&1 || true
fi

if ! command -v node >/dev/null; then
  say "Node.js 20 or newer is required (node not found)"
  exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || {
  say "Node.js >= 20.19 is required, found $(node --version)"
  exit 1
}

# npm packages: reinstall only when package-lock.json changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

say "building the BPF programs (make -C bpf)"
make -s -C bpf

say "building the native addon (node-gyp)"
# Build against the installed Node headers: nothing is downloaded.
gyp_flags=(-C native --loglevel=error)
[[ -f /usr/include/node/node.h ]] && gyp_flags+=(--nodedir=/usr)
if [[ -f native/build/Makefile ]]; then
  npx --no-install node-gyp build "${gyp_flags[@]}" >/dev/null
else
  npx --no-install node-gyp rebuild "${gyp_flags[@]}" >/dev/null
fi

say "building (tsc)"
npx tsc -p tsconfig.json
say "ready"
