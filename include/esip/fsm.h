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
 *     FSM_ROW(Calling, rx_1xx, Proceeding, report_provisional, "17.1.1.2")
 *
 * src/fsm/fsm_gen.h expands such a file (X-macros) into the state, event
 * and action enums, their name strings, a dense [state][event] table of
 * {next state, action}, the list of rows (for the checker and the
 * diagrams) and one esip_fsm_machine describing it all.  Nothing is
 * written twice, so the table, the code and the pictures cannot drift.
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
 * if it has a row in that state; otherwise as IGNORE).
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

/* One cell of the dense table: to_plus1 == 0 means "no row". */
typedef struct esip_fsm_cell {
	uint8_t to_plus1;
	uint8_t action;
} esip_fsm_cell;

/* One row as written in the .def file. */
typedef struct esip_fsm_row {
	uint8_t from, event, to, action;
	const char *ref; /* RFC section(s) the row implements */
} esip_fsm_row;

typedef struct esip_fsm_machine {
	const char *name;  /* short name, "ICT" */
	const char *title; /* "INVITE client transaction (RFC 3261 17.1.1)" */
	uint8_t n_states, n_events, n_actions;
	uint8_t initial;   /* the first FSM_STATE */
	uint8_t policy;    /* esip_fsm_policy (ERROR raises the event named "error") */
	const char *const *state_names;
	const char *const *event_names;
	const char *const *action_names;
	const uint8_t *final;           /* [n_states]: 1 for final states */
	const esip_fsm_cell *table;     /* [n_states * n_events] */
	const esip_fsm_row *rows;
	uint16_t n_rows;
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
 * Looks up (*state, ev): runs the row's action (appending to fx), then sets
 * *state to the row's target and calls the tracer (may be NULL).  Returns
 * ESIP_FSM_HANDLED, or ESIP_FSM_UNHANDLED when no row applies after the
 * policy (state unchanged, nothing appended), or ESIP_EINVAL for an event
 * or state out of range.
 */
int esip_fsm_dispatch(const esip_fsm_machine *m, uint8_t *state, unsigned ev, void *ctx,
		      const void *arg, esip_fsm_fx *fx, const esip_fsm_tracer *tr,
		      const void *instance);

/* The cell for (state, ev), or NULL when there is no row. */
const esip_fsm_cell *esip_fsm_lookup(const esip_fsm_machine *m, unsigned state, unsigned ev);

static inline bool esip_fsm_is_final(const esip_fsm_machine *m, unsigned state)
{
	return state < m->n_states && m->final[state];
}
/* Name strings ("?" out of range). */
const char *esip_fsm_state_name(const esip_fsm_machine *m, unsigned state);
const char *esip_fsm_event_name(const esip_fsm_machine *m, unsigned ev);

/* ---- checking and drawing ----------------------------------------- */

/*
 * Checks a machine's table: names in range, no two rows for one
 * (state, event) cell, the dense table agrees with the rows, every state
 * reachable from the initial one, no row leaving a final state, at least
 * one final state reachable, no non-final dead end, every action used,
 * every row citing its RFC section.
 * Each problem is written as one line to err (may be NULL).  Returns the
 * number of problems (0 = the table is sound).
 */
int esip_fsm_check(const esip_fsm_machine *m, FILE *err);

/* Writes a Mermaid stateDiagram-v2 of the machine (every row an edge
 * labelled "event / action [ref]"). */
void esip_fsm_mermaid(const esip_fsm_machine *m, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* ESIP_FSM_H */
