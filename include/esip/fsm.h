/*
 * esip/fsm.h - the generic table-driven state machine engine.
 *
 * Every esip state machine (the four RFC 3261 transaction machines, later
 * the dialog and the refer subscription) is declared once, as a plain-text
 * table of rows in a .def file:
 *
 *     FSM_MACHINE("ICT", "INVITE client transaction", IGNORE)
 *     FSM_STATE(Calling)               first state = initial state
 *     FSM_FINAL(Terminated)            final states (no row may leave one)
 *     FSM_EVENT(rx_1xx)
 *     FSM_ACTION(report_provisional)
 *     FSM_EFFECTS(report_provisional, "report PROVISIONAL")
 *     FSM_ROW(Calling, rx_1xx, Proceeding, report_provisional, "17.1.1.2")
 *
 * and, where one row holds in several states:
 *
 *     FSM_GROUP(Early)                 a named set of states (at most 16)
 *     FSM_IN(Early, Calling)           Calling is in Early (a state may be
 *     FSM_IN(Early, Proceeding)        in several groups)
 *     FSM_ROW_GROUP(Early, tu_bye, Terminated, abandon, "15")
 *     FSM_ROW_ANY(rx_options, SAME, answer_options, "11.2")
 *
 * Which row applies to (state S, event E), in this order:
 *   1. the FSM_ROW for (S, E), if there is one: an explicit row always wins;
 *   2. else, unless S is final, the first FSM_ROW_GROUP for E (in file
 *      order) whose group holds S;
 *   3. else, unless S is final, the first FSM_ROW_ANY for E;
 *   4. else none: the machine's policy (below).
 * Group and any rows never apply in a final state.  Two group rows (or two
 * any rows) that both reach a cell without an explicit row are a table
 * error that esip_fsm_check() reports; the first declared is the one that
 * runs.  An explicit row for the cell settles such an overlap.
 *
 * The target SAME, in any kind of row, means "stay in the current state"
 * (SAME is therefore not a valid state name).  FSM_EFFECTS describes, in
 * words, what an action's effects are; the diagrams show it on every edge
 * and esip_fsm_check() reports an action without one.
 *
 * src/fsm/fsm_gen.h expands such a file (X-macros) into the state, event,
 * group and action enums, their name strings, a dense [state][event] table
 * of {next state, action} for the explicit rows, the lists of rows and
 * group rows (for the dispatch fallback, the checker and the diagrams) and
 * one esip_fsm_machine describing it all.  Nothing is written twice, so
 * the table, the code and the pictures cannot drift.
 *
 * Actions never do I/O and never read a clock: they look at their context
 * and append effects (send, start timer, stop timer, report to the owner,
 * destroy) to an esip_fsm_fx list, which the owning layer's one interpreter
 * applies.  A unit test can therefore assert "in state S, event E gives
 * effects [...]" with no socket and no clock.
 *
 * An event with no row in the current state is handled by the machine's
 * policy: IGNORE (the dispatch returns ESIP_FSM_UNHANDLED and the caller
 * counts it) or ERROR (the machine's `error` event is dispatched instead,
 * if a row applies to it in that state; otherwise as IGNORE).
 */
#ifndef ESIP_FSM_H
#define ESIP_FSM_H

#include <esip/core.h>

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- effects ------------------------------------------------------ */

typedef enum esip_fx_kind {
	ESIP_FX_SEND = 1,    /* what: which message (machine-specific) */
	ESIP_FX_TIMER_START, /* what: timer id, value: duration in ms */
	ESIP_FX_TIMER_STOP,  /* what: timer id */
	ESIP_FX_REPORT,      /* what: the owner's event code */
	ESIP_FX_DESTROY      /* the instance is finished: free it */
} esip_fx_kind;

typedef struct esip_fx {
	uint8_t kind;   /* esip_fx_kind */
	uint8_t what;
	uint32_t value;
} esip_fx;

#define ESIP_FSM_MAX_FX 12

/* The effects one dispatch produced, in order. */
typedef struct esip_fsm_fx {
	unsigned n;
	esip_fx fx[ESIP_FSM_MAX_FX];
} esip_fsm_fx;

static inline void esip_fsm_fx_init(esip_fsm_fx *l) { l->n = 0; }
/* Appends one effect.  Overflowing ESIP_FSM_MAX_FX is a bug in a table's
 * actions: it aborts (no action legitimately needs that many). */
void esip_fsm_fx_push(esip_fsm_fx *l, esip_fx_kind kind, unsigned what, uint32_t value);

/* ---- machines ------------------------------------------------------ */

/* An action: reads ctx (and the event's argument), appends effects.  It
 * may update the context's own bookkeeping (a retransmit interval, say)
 * but performs no I/O. */
typedef void (*esip_fsm_action_fn)(void *ctx, const void *arg, esip_fsm_fx *fx);

typedef enum esip_fsm_policy {
	ESIP_FSM_POLICY_IGNORE = 0, /* unhandled events are ignored and counted */
	ESIP_FSM_POLICY_ERROR       /* unhandled events raise the `error` event */
} esip_fsm_policy;

/* Limits of a machine (fsm_gen.h checks them at compile time): state,
 * event and action numbers are bytes, and 0xff is kept for SAME / ANY /
 * NONE below. */
#define ESIP_FSM_MAX_STATES 254
#define ESIP_FSM_MAX_EVENTS 255
#define ESIP_FSM_MAX_ACTIONS 255
#define ESIP_FSM_MAX_GROUPS 16

/* The target SAME: the row keeps the current state. */
#define ESIP_FSM_SAME 0xff
/* esip_fsm_group_row.group of an FSM_ROW_ANY. */
#define ESIP_FSM_ANY 0xff
/* esip_fsm_machine.error_event of a machine without the ERROR policy. */
#define ESIP_FSM_NONE 0xff

/* One cell: what a row does.  to_plus1 is 0 for "no row", ESIP_FSM_SAME
 * for a group or any row whose target is SAME (explicit rows have their
 * SAME resolved: their cells always name the state), else target + 1.
 * Read the target with esip_fsm_cell_target(). */
typedef struct esip_fsm_cell {
	uint8_t to_plus1;
	uint8_t action;
} esip_fsm_cell;

/* The state a cell leads to from `from`. */
static inline unsigned esip_fsm_cell_target(const esip_fsm_cell *c, unsigned from)
{
	return c->to_plus1 == ESIP_FSM_SAME ? from : c->to_plus1 - 1u;
}

/* One FSM_ROW as written in the .def file (a SAME target is stored as
 * `from`). */
typedef struct esip_fsm_row {
	uint8_t from, event, to, action;
	const char *ref; /* RFC section(s) the row implements */
} esip_fsm_row;

/* One FSM_ROW_GROUP or FSM_ROW_ANY. */
typedef struct esip_fsm_group_row {
	uint8_t group;      /* group number, or ESIP_FSM_ANY */
	uint8_t event;
	esip_fsm_cell cell; /* target (possibly ESIP_FSM_SAME) and action */
	const char *ref;
} esip_fsm_group_row;

typedef struct esip_fsm_machine {
	const char *name;  /* short name, "ICT" */
	const char *title; /* "INVITE client transaction (RFC 3261 17.1.1)" */
	uint8_t n_states, n_events, n_actions, n_groups;
	uint8_t initial;     /* the first FSM_STATE */
	uint8_t policy;      /* esip_fsm_policy */
	uint8_t error_event; /* ERROR policy: the event named "error"; else ESIP_FSM_NONE */
	const char *const *state_names;
	const char *const *event_names;
	const char *const *action_names;
	const char *const *group_names;
	const char *const *effects;     /* [n_actions]: FSM_EFFECTS text, NULL if none */
	const uint8_t *final;           /* [n_states]: 1 for final states */
	const uint8_t *in_group;        /* [n_groups * n_states]: 1 if the state is in the group */
	const esip_fsm_cell *table;     /* [n_states * n_events]: the FSM_ROW cells only */
	const esip_fsm_row *rows;
	const esip_fsm_group_row *group_rows; /* group and any rows, in file order */
	uint16_t n_rows, n_group_rows;
	const esip_fsm_action_fn *actions; /* [n_actions] */
} esip_fsm_machine;

/* Trace hook: every transition (and every unhandled event, with to ==
 * NULL) of every instance, for logging. */
typedef struct esip_fsm_tracer {
	void (*fn)(void *ud, const char *machine, const void *instance, const char *from,
		   const char *event, const char *to);
	void *ud;
} esip_fsm_tracer;

#define ESIP_FSM_HANDLED 1
#define ESIP_FSM_UNHANDLED 0

/*
 * Looks up (*state, ev) as esip_fsm_lookup() does: runs the row's action
 * (appending to fx), then sets *state to the row's target and calls the
 * tracer (may be NULL).  Returns ESIP_FSM_HANDLED, or ESIP_FSM_UNHANDLED
 * when no row applies after the policy (state unchanged, nothing
 * appended).  A state or event out of range is a bug in the caller: it
 * aborts with a message unless NDEBUG is defined, and gives ESIP_EINVAL
 * (nothing done) in NDEBUG builds.
 *
 * Cost: an explicit row is one table load; a cell without one scans the
 * machine's group and any rows once (a byte compare each, plus one
 * membership byte for those of the event), with no allocation and no
 * shared mutable state.
 */
int esip_fsm_dispatch(const esip_fsm_machine *m, uint8_t *state, unsigned ev, void *ctx,
		      const void *arg, esip_fsm_fx *fx, const esip_fsm_tracer *tr,
		      const void *instance);

/* The cell of the row that applies to (state, ev) - explicit, group or
 * any row, in the order above - or NULL when none does (or out of range).
 * The ERROR policy is not applied.  Use esip_fsm_cell_target() for its
 * target. */
const esip_fsm_cell *esip_fsm_lookup(const esip_fsm_machine *m, unsigned state, unsigned ev);

static inline bool esip_fsm_is_final(const esip_fsm_machine *m, unsigned state)
{
	return state < m->n_states && m->final[state];
}
/* Whether `state` is in group number `group` (false out of range). */
static inline bool esip_fsm_in_group(const esip_fsm_machine *m, unsigned group, unsigned state)
{
	return group < m->n_groups && state < m->n_states &&
	       m->in_group[group * m->n_states + state];
}
/* Name strings ("?" out of range). */
const char *esip_fsm_state_name(const esip_fsm_machine *m, unsigned state);
const char *esip_fsm_event_name(const esip_fsm_machine *m, unsigned ev);
const char *esip_fsm_group_name(const esip_fsm_machine *m, unsigned group);

/* ---- checking and drawing ----------------------------------------- */

/*
 * Checks a machine's table: names in range, no two rows for one
 * (state, event) cell, the dense table agrees with the rows, no row
 * leaving a final state, every row citing its RFC section; every group
 * has a state, every group or any row applies in at least one state, no
 * two group rows (or any rows) compete for a cell; every state reachable
 * from the initial one, at least one final state reachable, no non-final
 * dead end (reachability and dead ends follow every kind of row, as the
 * dispatch does); every action used and described by FSM_EFFECTS.
 * Each problem is written as one line to err (may be NULL).  Returns the
 * number of problems (0 = the table is sound).
 */
int esip_fsm_check(const esip_fsm_machine *m, FILE *err);

/* Writes a Mermaid stateDiagram-v2 of the machine.  Every row is an edge
 * labelled "event / action (effects) [ref]"; a group row starts from a box
 * standing for its group, an any row from a box "any non-final state", and
 * a SAME target of such a row is a loop on that box. */
void esip_fsm_mermaid(const esip_fsm_machine *m, FILE *out);

/* Writes the machine's Markdown section of the docs: a heading, the
 * Mermaid diagram, its groups and the table of every row with its
 * action's effects. */
void esip_fsm_markdown(const esip_fsm_machine *m, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* ESIP_FSM_H */
