#!/usr/bin/env bash
# The test command (README "Test it"; CI runs exactly this): installs everything the tests need on a
# fresh Debian 12 machine, then type-checks, lints and runs the unit and integration tests against
# real servers. Safe to re-run: every step is skipped or cached when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "Debian packages (redis, openssl, lua5.1 for the Argo CD health script; containerd, runc, CNI plugins, iptables and static busybox for the real node)"
packages=(redis-server openssl lua5.1 containerd runc containernetworking-plugins iptables busybox-static chromium)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]}"
    echo "install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "all present"
fi

step "npm packages"
npm ci --no-audit --no-fund

step "Go-built test binaries (etcd, kube-apiserver & co., kwok, Jaeger v2; cached after the first build)"
export PATH="$PATH:/usr/local/go/bin"
npm run --silent env -- build

step "type-check and lint"
npm run --silent typecheck
npm run --silent lint

step "compiled JavaScript (what the image runs): build, then the same synth output as from the sources"
npm run --silent build
cmp <(node dist/cli/main.js synth -f manifests/examples/instance.yaml) <(KELEMETRY_FROM_SOURCES=1 node bin/kelemetry.js synth -f manifests/examples/instance.yaml)
echo "dist/cli/main.js synth matches the sources (bin/kelemetry.js through tsx)"

step "tests (unit, then integration against the real environment)"
mkdir -p .kelemetry
status=0
npx vitest run --reporter=default --reporter=json --outputFile=.kelemetry/vitest-results.json || status=$?
node scripts/test-summary.js .kelemetry/vitest-results.json
exit "$status"
