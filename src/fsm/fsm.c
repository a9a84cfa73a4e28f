/*
 * fsm.c - the generic dispatch of table-driven machines (esip/fsm.h).
 *
 * A dispatch is one array lookup, one action call and one store: the
 * layers call it for every message and every timer, so it stays tiny.
 */
#include <esip/fsm.h>

#include <stdlib.h>
#include <string.h>

void esip_fsm_fx_push(esip_fsm_fx *l, esip_fx_kind kind, unsigned what, uint32_t value)
{
	/* NEVER: an action appending more than ESIP_FSM_MAX_FX effects is a
	 * bug in a table, not an input-driven condition. */
	if (l->n >= ESIP_FSM_MAX_FX)
		abort();
	l->fx[l->n].kind = (uint8_t)kind;
	l->fx[l->n].what = (uint8_t)what;
	l->fx[l->n].value = value;
	l->n++;
}

const esip_fsm_cell *esip_fsm_lookup(const esip_fsm_machine *m, unsigned state, unsigned ev)
{
	const esip_fsm_cell *c;

	if (state >= m->n_states || ev >= m->n_events)
		return NULL;
	c = &m->table[state * m->n_events + ev];
	return c->to_plus1 ? c : NULL;
}

const char *esip_fsm_state_name(const esip_fsm_machine *m, unsigned state)
{
	return state < m->n_states ? m->state_names[state] : "?";
}

const char *esip_fsm_event_name(const esip_fsm_machine *m, unsigned ev)
{
	return ev < m->n_events ? m->event_names[ev] : "?";
}

/* The event the ERROR policy raises: the one named "error". */
static int error_event(const esip_fsm_machine *m)
{
	unsigned i;

	for (i = 0; i < m->n_events; i++)
		if (!strcmp(m->event_names[i], "error"))
			return (int)i;
	return -1;
}

int esip_fsm_dispatch(const esip_fsm_machine *m, uint8_t *state, unsigned ev, void *ctx,
		      const void *arg, esip_fsm_fx *fx, const esip_fsm_tracer *tr,
		      const void *instance)
{
	const esip_fsm_cell *c;
	unsigned from = *state;

	if (from >= m->n_states || ev >= m->n_events)
		return ESIP_EINVAL;
	c = esip_fsm_lookup(m, from, ev);
	if (!c && m->policy == ESIP_FSM_POLICY_ERROR) {
		int e = error_event(m);
		const esip_fsm_cell *ce = e >= 0 && (unsigned)e != ev ? esip_fsm_lookup(m, from, (unsigned)e) : NULL;
		if (ce) {
			/* the unhandled event is traced, then the error row runs */
			if (tr && tr->fn)
				tr->fn(tr->ud, m->name, instance, m->state_names[from],
				       m->event_names[ev], NULL);
			ev = (unsigned)e;
			c = ce;
		}
	}
	if (!c) {
		if (tr && tr->fn)
			tr->fn(tr->ud, m->name, instance, m->state_names[from], m->event_names[ev],
			       NULL);
		return ESIP_FSM_UNHANDLED;
	}
	m->actions[c->action](ctx, arg, fx);
	*state = (uint8_t)(c->to_plus1 - 1);
	if (tr && tr->fn)
		tr->fn(tr->ud, m->name, instance, m->state_names[from], m->event_names[ev],
		       m->state_names[*state]);
	return ESIP_FSM_HANDLED;
}
