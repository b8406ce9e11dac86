#!/usr/bin/env bash
# The action's first step: the Bun bunseal pins (package.json's packageManager), from npm, and
# bunseal's own dependencies, frozen to its lockfile. Nothing is installed that is already there.
set -euo pipefail
here="${GITHUB_ACTION_PATH:?}"
want=$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$here/package.json")
if ! command -v bun >/dev/null || [ "$(bun --version)" != "$want" ]; then
  npm install -g "bun@$want"
fi
(cd "$here" && bun install --frozen-lockfile --no-progress >/dev/null)
