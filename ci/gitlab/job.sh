#!/usr/bin/env bash
# One job of ci/gitlab/bunseal.gitlab-ci.yml, run from the installed package
# (node_modules/bunseal/ci/gitlab/job.sh build|verify). It lives here rather than in
# the template's before_script, which a user's own before_script replaces (GitLab merges
# no lists): the template's script calls it, so nothing the user adds unsets it.
#
# What it leaves for later jobs is under $CI_PROJECT_DIR/.bunseal-ci/ (the one folder the
# template's artifacts name, whatever BUNSEAL_PATH or the config's outDir is): out/ with the
# artifact and its bundle, and bunseal.env, the dotenv report, written at the job's end. During
# the job bunseal's report goes outside the work tree, and .bunseal-ci/ is excluded in the
# clone's .git/info/exclude, so a second build in the same job does not find it SOURCE_DIRTY.
set -euo pipefail
command="${1:?usage: job.sh build|verify}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
project_dir="${CI_PROJECT_DIR:?job.sh runs in a GitLab job (CI_PROJECT_DIR)}"
share="$project_dir/.bunseal-ci"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/bunseal-job.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$share/out"
exclude="$(git -C "$project_dir" rev-parse --git-path info/exclude 2>/dev/null || true)"
if [ -n "$exclude" ]; then
  case "$exclude" in /*) ;; *) exclude="$project_dir/$exclude" ;; esac
  mkdir -p "$(dirname "$exclude")"
  grep -qsx '/.bunseal-ci/' "$exclude" || echo '/.bunseal-ci/' >>"$exclude"
fi
export BUNSEAL_DOTENV="$scratch/bunseal.env"
export GITLAB_CI=true

status=0
case "$command" in
  build)
    # the key file's path leaves the environment here, so no child (the install, git, the build) inherits it
    sign=(--keyless)
    if [ -n "${BUNSEAL_KEY_FILE:-}" ]; then sign=(--key "$BUNSEAL_KEY_FILE"); fi
    unset BUNSEAL_KEY_FILE
    # The project's dependencies: bunseal build installs nothing, and Bun resolves imports from
    # node_modules. The project is not trusted and this job holds the signing token or key, outside
    # any sandbox: by default no install script runs (--ignore-scripts; the project's own postinstall
    # would run here otherwise), and the install never sees the token.
    install="${BUNSEAL_INSTALL-bun install --frozen-lockfile --ignore-scripts}"
    if [ -n "$install" ]; then
      (cd "$project_dir/${BUNSEAL_PATH:-.}" && env -u SIGSTORE_ID_TOKEN bash -c "$install")
    fi
    # fail closed where bubblewrap cannot make its namespaces; the template's first lines say what a runner needs
    "$here/.ci/sandbox-ready" || { echo "bunseal: no sandbox on this runner; see the runner settings at the top of bunseal.gitlab-ci.yml" >&2; exit 3; }
    # BUNSEAL_ARGS is words the user wrote in YAML: split as the shell splits them, not globbed
    set -f; read -r -d '' -a extra <<<"${BUNSEAL_ARGS:-}" || true; set +f
    "$here/bin/bunseal" build "$project_dir/${BUNSEAL_PATH:-.}" "${sign[@]}" "${extra[@]}" || status=$?
    ;;
  verify)
    artifact="${BUNSEAL_ARTIFACT_PATH:-${ARTIFACT_PATH:-}}"
    if [ -z "$artifact" ]; then
      echo "bunseal: no BUNSEAL_ARTIFACT_PATH: this job has no build job's report (give it needs: [the build job])" >&2
      exit 2
    fi
    set -f; read -r -d '' -a extra <<<"${BUNSEAL_ARGS:-}" || true; set +f
    "$here/bin/bunseal" verify "$artifact" "${extra[@]}" || status=$?
    ;;
  *) echo "job.sh: unknown job $command (expected build or verify)" >&2; exit 2 ;;
esac

# The report later jobs get as variables: bunseal's names prefixed BUNSEAL_ (a bare DIGEST would
# override a later job's own variable of that name); the bare names too, which the README promised,
# unless BUNSEAL_DOTENV_BARE is false. Paths are made relative to the project folder and point into
# .bunseal-ci/out, where the artifacts of this job are.
report="$share/bunseal.env"
: >"$scratch/report"
[ -f "$report" ] && cat "$report" >>"$scratch/report"
if [ -f "$BUNSEAL_DOTENV" ]; then
  while IFS= read -r line; do
    name="${line%%=*}"; value="${line#*=}"
    case "$name" in
      ARTIFACT_PATH|BUNDLE_PATH)
        if [ -f "$value" ]; then
          [ "$(cd "$(dirname "$value")" && pwd)" = "$share/out" ] || cp -f "$value" "$share/out/"
          value=".bunseal-ci/out/$(basename "$value")"
        fi ;;
    esac
    printf 'BUNSEAL_%s=%s\n' "$name" "$value" >>"$scratch/report"
    [ "${BUNSEAL_DOTENV_BARE:-true}" = false ] || printf '%s=%s\n' "$name" "$value" >>"$scratch/report"
  done <"$BUNSEAL_DOTENV"
fi
# the last value of each name wins, as in bunseal's own report
tac "$scratch/report" | awk -F= '!seen[$1]++' | tac >"$scratch/report.new"
mv -f "$scratch/report.new" "$report"
exit "$status"
