/*
 * fsm.c - the generic dispatch of table-driven machines (esip/fsm.h).
 *
 * A dispatch is one array lookup, one action call and one store: the
 * layers call it for every message and every timer, so it stays tiny.
 * Only a cell without an FSM_ROW looks further, through the machine's
 * group and any rows (usually a handful): a scan of that constant list,
 * a byte compare per row and, for a row of the right event, one byte of
 * the constant membership table.  Nothing is built at run time, so there
 * is no first-use initialisation, no lock and no shared mutable state.
 */
#include "fsm_int.h"

#include <stdlib.h>
#include <string.h>

_Noreturn void esip__fsm_invariant(const char *what, const char *file, int line)
{
	fprintf(stderr, "esip: invariant violated at %s:%d: %s\n", file, line, what);
	abort();
}

void esip_fsm_fx_push(esip_fsm_fx *l, esip_fx_kind kind, unsigned what, uint32_t value)
{
	/* NEVER: an action appending more than ESIP_FSM_MAX_FX effects is a
	 * bug in a table, not an input-driven condition.  Aborts in every
	 * build: dropping an effect silently would corrupt the owner. */
	if (l->n >= ESIP_FSM_MAX_FX)
		abort();
	l->fx[l->n].kind = (uint8_t)kind;
	l->fx[l->n].what = (uint8_t)what;
	l->fx[l->n].value = value;
	l->n++;
}

int esip__fsm_group_row_for(const esip_fsm_machine *m, unsigned state, unsigned ev, int *also)
{
	int group = -1, group2 = -1, any = -1, any2 = -1;
	unsigned i;

	if (m->final[state])
		goto out;
	for (i = 0; i < m->n_group_rows; i++) {
		const esip_fsm_group_row *r = &m->group_rows[i];

		if (r->event != ev)
			continue;
		if (r->group == ESIP_FSM_ANY) {
			if (any < 0)
				any = (int)i;
			else if (any2 < 0)
				any2 = (int)i;
		} else if (r->group < m->n_groups && m->in_group[r->group * m->n_states + state]) {
			if (group >= 0) {
				group2 = (int)i;
				break;
			}
			group = (int)i;
			if (!also)
				break; /* the first group row wins: no need to look on */
		}
	}
out:
	if (also)
		*also = group >= 0 ? group2 : any2;
	return group >= 0 ? group : any;
}

const esip_fsm_cell *esip__fsm_cell(const esip_fsm_machine *m, unsigned state, unsigned ev)
{
	const esip_fsm_cell *c = &m->table[state * m->n_events + ev];
	int g;

	if (c->to_plus1 || !m->n_group_rows)
		return c->to_plus1 ? c : NULL;
	g = esip__fsm_group_row_for(m, state, ev, NULL);
	return g >= 0 ? &m->group_rows[g].cell : NULL;
}

const esip_fsm_cell *esip_fsm_lookup(const esip_fsm_machine *m, unsigned state, unsigned ev)
{
	if (state >= m->n_states || ev >= m->n_events)
		return NULL;
	return esip__fsm_cell(m, state, ev);
}

const char *esip_fsm_state_name(const esip_fsm_machine *m, unsigned state)
{
	return state < m->n_states ? m->state_names[state] : "?";
}

const char *esip_fsm_event_name(const esip_fsm_machine *m, unsigned ev)
{
	return ev < m->n_events ? m->event_names[ev] : "?";
}

const char *esip_fsm_group_name(const esip_fsm_machine *m, unsigned group)
{
	return group < m->n_groups ? m->group_names[group] : "?";
}

int esip_fsm_dispatch(const esip_fsm_machine *m, uint8_t *state, unsigned ev, void *ctx,
		      const void *arg, esip_fsm_fx *fx, const esip_fsm_tracer *tr,
		      const void *instance)
{
	const esip_fsm_cell *c;
	unsigned from = *state, to;

	/* The state byte lives in the owner's object and the event number is
	 * the caller's constant: out of range, either is a bug (or memory
	 * corruption), never input. */
	if (NEVER(from >= m->n_states) || NEVER(ev >= m->n_events))
		return ESIP_EINVAL;
	c = esip__fsm_cell(m, from, ev);
	if (!c && m->policy == ESIP_FSM_POLICY_ERROR && m->error_event < m->n_events &&
	    m->error_event != ev) {
		const esip_fsm_cell *ce = esip__fsm_cell(m, from, m->error_event);
		if (ce) {
			/* the unhandled event is traced, then the error row runs */
			if (tr && tr->fn)
				tr->fn(tr->ud, m->name, instance, m->state_names[from],
				       m->event_names[ev], NULL);
			ev = m->error_event;
			c = ce;
		}
	}
	if (!c) {
		if (tr && tr->fn)
			tr->fn(tr->ud, m->name, instance, m->state_names[from], m->event_names[ev],
			       NULL);
		return ESIP_FSM_UNHANDLED;
	}
	to = esip_fsm_cell_target(c, from);
	/* fsm_gen.h builds cells from declared names only */
	if (NEVER(to >= m->n_states) || NEVER(c->action >= m->n_actions))
		return ESIP_EINVAL;
	m->actions[c->action](ctx, arg, fx);
	*state = (uint8_t)to;
	if (tr && tr->fn)
		tr->fn(tr->ud, m->name, instance, m->state_names[from], m->event_names[ev],
		       m->state_names[to]);
	return ESIP_FSM_HANDLED;
}
