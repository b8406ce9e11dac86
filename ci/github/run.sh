#!/usr/bin/env bash
# The action's bunseal step: one bunseal command from the action's inputs. A key never reaches
# this step's environment: the key step (key.sh) wrote it to a 0600 file and hands over its path,
# which is taken out of the environment before bunseal starts and the file removed on exit.
set -euo pipefail
here="${GITHUB_ACTION_PATH:?}"
keyfile="${BUNSEAL_KEY_FILE:-}"
unset BUNSEAL_KEY_FILE
if [ -n "$keyfile" ]; then trap 'rm -f "$keyfile"' EXIT; fi
command="${BUNSEAL_INPUT_COMMAND:-build}"
case "$command" in build|verify|rebuild|check) ;; *) echo "::error title=bunseal::input command: expected build, verify, rebuild or check, got $command"; exit 2 ;; esac
args=("$command" "${BUNSEAL_INPUT_PATH:-.}")
if [ -n "$keyfile" ]; then
  args+=(--key "$keyfile")
elif [ "$command" = build ] && [ "${BUNSEAL_INPUT_KEYLESS:-true}" = true ]; then
  args+=(--keyless)
fi
if [ -n "${BUNSEAL_INPUT_STORE:-}" ]; then args+=(--store "$BUNSEAL_INPUT_STORE"); fi
# extra arguments are words, split on white space, never evaluated by the shell
read -r -a extra <<< "${BUNSEAL_INPUT_ARGS:-}"
# not exec: the trap that removes the key must run once bunseal is done
status=0
"$here/bin/bunseal" "${args[@]}" "${extra[@]}" || status=$?
exit "$status"
