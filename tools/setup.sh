#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (run as root) for building and testing berth. Idempotent: each step
# is skipped when already done, so `npm test` can run it every time.
set -euo pipefail

# Debian packages the tests and fixtures use. Extend this list rather than adding apt calls elsewhere.
DEBIAN_PACKAGES="busybox-static tini skopeo umoci docker-registry tar gzip zstd ca-certificates cmake ninja-build g++ pkg-config libseccomp-dev nlohmann-json3-dev python3 runc crun podman nftables iproute2 docker.io"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

missing=()
for pkg in $DEBIAN_PACKAGES; do
  # `dpkg -s` also succeeds for removed-but-configured packages, so check the status line itself.
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages present"
fi

# npm writes node_modules/.package-lock.json on every install; older than the lockfile means stale.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci"
  npm ci
else
  echo "setup: node_modules up to date"
fi

echo "setup: fixtures"
node tools/fixtures/bin/make-fixtures.mjs
