#!/usr/bin/env bash
# The action's key step, the only one that sees the key: from the environment (the `key` input,
# a secret) into a file only this user can read, under RUNNER_TEMP with a random name. The file's
# path leaves as this step's output, not as an environment variable, so no later step and no child
# of bunseal inherits the key or finds it named in its environment; the last step removes it.
# Only shell built-ins and mktemp run here while the key is in the environment.
set -euo pipefail
[ -n "${BUNSEAL_INPUT_KEY:-}" ] || exit 0
umask 077
path=$(mktemp "${RUNNER_TEMP:-/tmp}/bunseal-key.XXXXXXXXXX")
printf '%s\n' "$BUNSEAL_INPUT_KEY" >"$path"
echo "path=$path" >>"${GITHUB_OUTPUT:?}"
