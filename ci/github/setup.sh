#!/usr/bin/env bash
# The action's set-up step: the Bun bunseal pins (package.json's packageManager), from npm, and
# bunseal's own production dependencies, frozen to its lockfile (restored from the cache when the
# lockfile's digest names one; the install then finds them there); for build, rebuild and check, a sandbox
# that works: bubblewrap from apt, and on ubuntu-24.04 runners an AppArmor profile that lets
# /usr/bin/bwrap make user namespaces (.ci/sandbox-ready). Nothing is installed that is already there.
set -euo pipefail
here="${GITHUB_ACTION_PATH:?}"
want=$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$here/package.json")
if ! command -v bun >/dev/null || [ "$(bun --version)" != "$want" ]; then
  npm install -g "bun@$want"
fi
# --production: what bunseal runs on, not its tests' tools (58 packages and 31 MB against 119 and 121 MB)
(cd "$here" && bun install --production --frozen-lockfile --no-progress >/dev/null)

case "${BUNSEAL_INPUT_COMMAND:-build}" in build|rebuild|check) ;; *) exit 0 ;; esac
# GitHub's runners give the runner user passwordless sudo; a self-hosted runner may run as root
as_root=()
[ "$(id -u)" = 0 ] || as_root=(sudo -n)
if [ ! -x /usr/bin/bwrap ]; then
  "${as_root[@]}" apt-get update -qq
  # through env: sudo would drop DEBIAN_FRONTEND from the environment it was given
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap >/dev/null
fi
status=0
"$here/.ci/sandbox-ready" --sudo || status=$?
if [ "$status" != 0 ]; then
  # bunseal would refuse too (SANDBOX_UNAVAILABLE); saying so here names the runner's fix
  echo "::error title=bunseal::no sandbox on this runner: bubblewrap cannot make its namespaces (see the lines above for the fix)"
  exit 3
fi
