#!/usr/bin/env bash
# A recording stand-in for terraform/tofu (which cannot be installed here): writes its name,
# argv, cwd and the AWS_/TF_/KUBECONFIG environment it saw to a file of its own under $STANDIN_LOG, prints a
# line on stdout and on stderr, sleeps $STANDIN_SLEEP seconds if set, and exits with
# $STANDIN_EXIT (default 0), or 1 when its cwd ends with $STANDIN_FAIL_IN. With
# $STANDIN_COPY_AWS_FILES set it also keeps copies of the AWS config and credentials files it got;
# with $STANDIN_STDOUT_FILE it prints that file instead of its usual line (e.g. `output -json`).
# The record's name starts with the start time (ns); `<record>.end` holds the end time.
set -u
record="${STANDIN_LOG:?STANDIN_LOG must name a directory}/$(date +%s%N)-$$"
{
  printf 'name %s\n' "$(basename "$0")"
  printf 'cwd %s\n' "$PWD"
  for arg in "$@"; do printf 'arg %s\n' "$arg"; done
  env | grep -E '^(AWS_|TF_|LEVERAGE_TEST_|KUBECONFIG=)' | sort | sed 's/^/env /'
} >"$record.tmp"
# The MFA flow hands the child private AWS files that vanish afterwards: keep copies.
if [ -n "${STANDIN_COPY_AWS_FILES:-}" ]; then
  cp "${AWS_CONFIG_FILE:-/dev/null}" "$record.config" 2>/dev/null || true
  cp "${AWS_SHARED_CREDENTIALS_FILE:-/dev/null}" "$record.credentials" 2>/dev/null || true
fi
mv "$record.tmp" "$record"
if [ -n "${STANDIN_STDOUT_FILE:-}" ]; then cat "$STANDIN_STDOUT_FILE"; else echo "standin $(basename "$0") $*"; fi
echo "standin stderr line" >&2
if [ -n "${STANDIN_SLEEP:-}" ]; then sleep "$STANDIN_SLEEP"; fi
code="${STANDIN_EXIT:-0}"
if [ -n "${STANDIN_FAIL_IN:-}" ] && [ "${PWD%"$STANDIN_FAIL_IN"}" != "$PWD" ]; then code=1; fi
date +%s%N >"$record.end"
exit "$code"
