/*
 * fsm_int.h - internals of the machine engine (src/fsm), shared by the
 * dispatch (fsm.c), the checker (fsm_check.c) and the diagram writer
 * (fsm_draw.c).
 */
#ifndef ESIP_FSM_INT_H
#define ESIP_FSM_INT_H

#include <esip/fsm.h>

/*
 * Executable invariants, after SQLite's ALWAYS() and NEVER():
 *
 *     if (NEVER(state >= m->n_states))
 *             return ESIP_EINVAL;
 *
 * The condition states something that cannot happen unless the program
 * has a bug (a corrupted state byte, a caller passing a wrong number).
 * Without NDEBUG (the project's default builds, tests, sanitizers) a
 * violated one prints the condition and aborts, so the bug is seen where
 * it happens; with NDEBUG the condition is only evaluated and the
 * fallback it guards keeps a release build running.
 */
#ifndef NDEBUG
#define NEVER(x) ((x) ? (esip__fsm_invariant(#x, __FILE__, __LINE__), 1) : 0)
#define ALWAYS(x) ((x) ? 1 : (esip__fsm_invariant("!(" #x ")", __FILE__, __LINE__), 0))
#else
#define NEVER(x) (x)
#define ALWAYS(x) (x)
#endif

/* Reports a violated invariant on stderr and aborts. */
_Noreturn void esip__fsm_invariant(const char *what, const char *file, int line);

/*
 * The group or any row that applies to (state, ev) when the state has no
 * FSM_ROW for ev: the first group row for ev (file order) whose group
 * holds the state, else the first any row for ev; -1 when none does, and
 * always in a final state.  With `also` non-NULL, *also is set to the next
 * row of the winner's kind that covers the cell as well (an overlap the
 * checker reports), or -1.  state and ev must be in range.
 */
int esip__fsm_group_row_for(const esip_fsm_machine *m, unsigned state, unsigned ev, int *also);

/* The cell for (state, ev) (in range) following esip/fsm.h's order, or
 * NULL. */
const esip_fsm_cell *esip__fsm_cell(const esip_fsm_machine *m, unsigned state, unsigned ev);

#endif /* ESIP_FSM_INT_H */
