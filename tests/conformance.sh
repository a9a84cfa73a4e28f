#!/usr/bin/env bash
# conformance.sh ESIP_PARSE SHARED_DIR CORPUS MIN - score esip-parse with
# ../shared/conformance/check.py; exit 77 (meson: skipped) without it.
set -u
tool=$1 shared=$2 corpus=$3 min=$4
if [ ! -f "$shared/conformance/check.py" ]; then
	echo "SKIP: no $shared/conformance (the shared data beside the repository)"
	exit 77
fi
exec python3 "$shared/conformance/check.py" "$tool" "$corpus" --min "$min" -v
