#!/bin/sh
# static_checks.sh FSM_SRC_DIR INCLUDE_DIR CC [CC ARGS...]
#
# fsm_gen.h's compile-time checks: each case of toy_static.def must fail
# to compile with the message given below; case 0 must compile with
# -Wall -Wextra -Werror.  (A test of the generator, not of a machine.)
set -u
here=$(cd "$(dirname "$0")" && pwd)
fsm_src=$1 inc=$2
shift 2

compile() {
	printf '#define FSM_MACHINE_EXTERN\n#define FSM_PREFIX chk\n#define FSM_FILE "toy_static.def"\n#include "fsm_gen.h"\n' |
		"$@" -std=c11 -fsyntax-only -Wall -Wextra -Werror -pedantic \
			-I"$here" -I"$fsm_src" -I"$inc" -DFSM_CASE="$case" -x c - 2>&1
}

fail=0
case=0
if ! out=$(compile "$@"); then
	echo "case 0 (sound) does not compile:"
	echo "$out"
	fail=1
fi

while read -r case want; do
	if out=$(compile "$@"); then
		echo "case $case compiled; want: $want"
		fail=1
	elif ! printf '%s\n' "$out" | grep -q -- "$want"; then
		echo "case $case failed without \"$want\":"
		echo "$out"
		fail=1
	else
		echo "case $case: refused ($want)"
	fi
done <<'CASES'
1 FSM_ROW(End, go, ...) leaves a final state
2 at most 16 groups
3 FSM_ROW_GROUP(G, go, ...) cites no RFC section
4 FSM_EFFECTS(act, ...) is empty
5 chk_E_error
6 chk_S_SAME
7 overrid
8 chk_S_Nowhere
9 exceeds array bounds
10 FSM_ROW(A, stop, ...) cites no RFC section
CASES
exit $fail
