#!/usr/bin/env bash
# The action's second step: one bunseal command from the action's inputs. A key comes in through
# the environment (BUNSEAL_INPUT_KEY, from a secret) and goes to a file only this user can read,
# outside the workspace, removed on exit: never on a command line, where the process list shows it.
set -euo pipefail
here="${GITHUB_ACTION_PATH:?}"
command="${BUNSEAL_INPUT_COMMAND:-build}"
case "$command" in build|verify|rebuild|check) ;; *) echo "::error title=bunseal::input command: expected build, verify, rebuild or check, got $command"; exit 2 ;; esac
args=("$command" "${BUNSEAL_INPUT_PATH:-.}")
if [ -n "${BUNSEAL_INPUT_KEY:-}" ]; then
  keydir=$(mktemp -d "${RUNNER_TEMP:-/tmp}/bunseal-key.XXXXXX")
  trap 'rm -rf "$keydir"' EXIT
  (umask 077 && printf '%s\n' "$BUNSEAL_INPUT_KEY" > "$keydir/key.pem")
  args+=(--key "$keydir/key.pem")
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
