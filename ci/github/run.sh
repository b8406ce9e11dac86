#!/usr/bin/env bash
# The action's bunseal step: one bunseal command from the action's inputs. A key never reaches
# this step's environment: the key step (key.sh) wrote it to a 0600 file and hands over its path,
# which is taken out of the environment before bunseal starts and the file removed on exit.
set -euo pipefail
here="${GITHUB_ACTION_PATH:?}"
keyfile="${BUNSEAL_KEY_FILE:-}"
unset BUNSEAL_KEY_FILE
# a step that stops before bunseal runs says why in an annotation and in the job summary, as bunseal would
fail() {
  echo "::error title=bunseal::$1" >&2
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then printf '### bunseal %s: FAILED\n\n%s\n\n' "${command:-}" "$1" >>"$GITHUB_STEP_SUMMARY" || true; fi
  exit 2
}
words=$(mktemp "${RUNNER_TEMP:-/tmp}/bunseal-words.XXXXXXXXXX")
trap 'rm -f "$words" ${keyfile:+"$keyfile"}' EXIT
command="${BUNSEAL_INPUT_COMMAND:-build}"
case "$command" in build|verify|rebuild|check) ;; *) fail "input command: expected build, verify, rebuild or check, got $command" ;; esac
# verify's path is a list of paths or globs (actions/attest-build-provenance's subject-path); the others' one path
if [ "$command" = verify ]; then
  bun --no-env-file --config=/dev/null "$here/ci/github/inputs.ts" subjects >"$words" || exit 2
  mapfile -d '' -t subjects <"$words"
else
  subjects=("${BUNSEAL_INPUT_PATH:-.}")
fi
args=("$command" "${subjects[@]}")
# upload stores a keyless build's bundle: asked of anything else, it fails before anything is built or signed
if [ "${BUNSEAL_INPUT_UPLOAD:-false}" = true ] && { [ "$command" != build ] || [ -n "$keyfile" ] || [ "${BUNSEAL_INPUT_KEYLESS:-true}" != true ]; }; then
  fail "input upload: GitHub's attestations verify a Sigstore certificate; expected command build, keyless, and no key"
fi
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
# Keyless from a private or internal repository: the certificate (Fulcio's CT log) and the log entry
# (Rekor) are public and name the repository and its workflow. GitHub's own attest action signs such
# repositories with GitHub's private instance, which has no Rekor; bunseal signs where it is told: a
# Sigstore of the user's own (--fulcio-url and --rekor-url, or --fulcio-url, --tsa-url and --no-tlog for
# one with no transparency log, as GitHub's), the public one when public-log says so, or a key.
if [ "$command" = build ] && [ -z "$keyfile" ] && [ "${BUNSEAL_INPUT_KEYLESS:-true}" = true ] \
  && [ "${BUNSEAL_REPOSITORY_VISIBILITY:-}" != public ] && [ "${BUNSEAL_INPUT_PUBLIC_LOG:-false}" != true ]; then
  fulcio=false rekor=false tsa=false notlog=false
  for word in "${extra[@]}"; do
    case "$word" in
      --fulcio-url|--fulcio-url=*) fulcio=true ;;
      --rekor-url|--rekor-url=*) rekor=true ;;
      --tsa-url|--tsa-url=*) tsa=true ;;
      --no-tlog) notlog=true ;;
    esac
  done
  if [ "$fulcio" != true ] || { [ "$rekor" != true ] && { [ "$notlog" != true ] || [ "$tsa" != true ]; }; }; then
    fail "keyless signing from a ${BUNSEAL_REPOSITORY_VISIBILITY:-non-public} repository would publish its name and workflow in the public Fulcio and Rekor logs; expected --fulcio-url and --rekor-url of your own Sigstore in args (or --fulcio-url, --tsa-url and --no-tlog for one with no transparency log, as GitHub's private instance), a key, or public-log: true"
  fi
fi
# not exec: the trap that removes the key must run once bunseal is done
status=0
"$here/bin/bunseal" "${args[@]}" "${extra[@]}" || status=$?
exit "$status"
