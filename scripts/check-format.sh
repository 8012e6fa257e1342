#!/usr/bin/env bash
# Fails, listing the files, when a tracked C++ file is not as clang-format (.clang-format)
# writes it. `scripts/check-format.sh --fix` rewrites them instead.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || {
  echo "check-format.sh: clang-format is not installed (apt install clang-format)" >&2
  exit 1
}
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
if [ "${1:-}" = --fix ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
[ $# -eq 0 ] || { echo "check-format.sh: unknown option '$1' (known: --fix)" >&2; exit 2; }
report=$(mktemp)
trap 'rm -f "$report"' EXIT
if ! clang-format --dry-run --Werror "${files[@]}" 2>"$report"; then
  grep -o '^[^:]*\.[ch]pp' "$report" | sort -u | sed 's/^/  not formatted: /' >&2
  echo "check-format.sh: run scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format.sh: ${#files[@]} files formatted"
