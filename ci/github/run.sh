#!/usr/bin/env bash
# The action's bunseal step: one bunseal command from the action's inputs. A key never reaches
# this step's environment: the key step (key.sh) wrote it to a 0600 file and hands over its path,
# which is taken out of the environment before bunseal starts and the file removed on exit.
set -euo pipefail
here="${GITHUB_ACTION_PATH:?}"
keyfile="${BUNSEAL_KEY_FILE:-}"
unset BUNSEAL_KEY_FILE
words=$(mktemp "${RUNNER_TEMP:-/tmp}/bunseal-words.XXXXXXXXXX")
trap 'rm -f "$words" ${keyfile:+"$keyfile"}' EXIT
command="${BUNSEAL_INPUT_COMMAND:-build}"
case "$command" in build|verify|rebuild|check) ;; *) echo "::error title=bunseal::input command: expected build, verify, rebuild or check, got $command"; exit 2 ;; esac
# verify's path is a list of paths or globs (actions/attest-build-provenance's subject-path); the others' one path
if [ "$command" = verify ]; then
  bun --no-env-file --config=/dev/null "$here/ci/github/inputs.ts" subjects >"$words" || exit 2
  mapfile -d '' -t subjects <"$words"
else
  subjects=("${BUNSEAL_INPUT_PATH:-.}")
fi
args=("$command" "${subjects[@]}")
if [ -n "$keyfile" ]; then
  args+=(--key "$keyfile")
elif [ "$command" = build ] && [ "${BUNSEAL_INPUT_KEYLESS:-true}" = true ]; then
  args+=(--keyless)
fi
if [ -n "${BUNSEAL_INPUT_STORE:-}" ]; then args+=(--store "$BUNSEAL_INPUT_STORE"); fi
# extra arguments are words, every line of them, split as a shell splits them and never run (inputs.ts;
# without the project's .env and bunfig.toml, as bin/bunseal starts)
bun --no-env-file --config=/dev/null "$here/ci/github/inputs.ts" args >"$words" || exit 2
mapfile -d '' -t extra <"$words"
# not exec: the trap that removes the key must run once bunseal is done
status=0
"$here/bin/bunseal" "${args[@]}" "${extra[@]}" || status=$?
exit "$status"
