/*
 * fsm_check.c - the table checker (esip_fsm_check).
 *
 * The row checks work from the machine's row lists (as written in the
 * .def file), so a duplicated cell, which the dense table cannot show, is
 * still seen.  Reachability and dead ends follow the cells the dispatch
 * itself resolves (esip__fsm_cell: explicit, group and any rows), so what
 * is checked is what runs.  Run for every machine by the esip-fsm tool
 * under `meson test`.
 */
#include "fsm_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 3, 4)))
static int problem(FILE *err, const esip_fsm_machine *m, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		fprintf(err, "%s: ", m->name);
		va_start(ap, fmt);
		vfprintf(err, fmt, ap);
		va_end(ap);
		fputc('\n', err);
	}
	return 1;
}

static int check_rows(const esip_fsm_machine *m, FILE *err, unsigned char *seen)
{
	int bad = 0;
	unsigned i;

	for (i = 0; i < m->n_rows; i++) {
		const esip_fsm_row *r = &m->rows[i];
		const esip_fsm_cell *c;

		if (r->from >= m->n_states || r->to >= m->n_states || r->event >= m->n_events ||
		    r->action >= m->n_actions) {
			bad += problem(err, m, "row %u names an unknown state, event or action", i);
			continue;
		}
		if (seen[r->from * m->n_events + r->event]++)
			bad += problem(err, m, "duplicate cell (%s, %s)", m->state_names[r->from],
				       m->event_names[r->event]);
		if (m->final[r->from])
			bad += problem(err, m, "row (%s, %s) leaves the final state %s",
				       m->state_names[r->from], m->event_names[r->event],
				       m->state_names[r->from]);
		c = &m->table[r->from * m->n_events + r->event];
		if (!c->to_plus1 || c->to_plus1 - 1 != r->to || c->action != r->action)
			bad += problem(err, m, "dense table disagrees with row (%s, %s)",
				       m->state_names[r->from], m->event_names[r->event]);
		if (!r->ref || !*r->ref)
			bad += problem(err, m, "row (%s, %s) cites no RFC section",
				       m->state_names[r->from], m->event_names[r->event]);
	}
	return bad;
}

/* "group row (Early, bye)" or "any row (options)", for messages. */
static const char *group_row_name(const esip_fsm_machine *m, unsigned i, char *buf, size_t cap)
{
	const esip_fsm_group_row *r = &m->group_rows[i];

	if (r->group == ESIP_FSM_ANY)
		snprintf(buf, cap, "any row (%s)", esip_fsm_event_name(m, r->event));
	else
		snprintf(buf, cap, "group row (%s, %s)", esip_fsm_group_name(m, r->group),
			 esip_fsm_event_name(m, r->event));
	return buf;
}

static bool group_row_sane(const esip_fsm_machine *m, const esip_fsm_group_row *r)
{
	return (r->group < m->n_groups || r->group == ESIP_FSM_ANY) && r->event < m->n_events &&
	       r->cell.to_plus1 &&
	       (r->cell.to_plus1 == ESIP_FSM_SAME || r->cell.to_plus1 <= m->n_states) &&
	       r->cell.action < m->n_actions;
}

static int check_groups(const esip_fsm_machine *m, FILE *err)
{
	int bad = 0;
	unsigned g, s, i;

	for (g = 0; g < m->n_groups; g++) {
		for (s = 0; s < m->n_states && !m->in_group[g * m->n_states + s]; s++)
			;
		if (s == m->n_states)
			bad += problem(err, m, "group %s has no state", m->group_names[g]);
	}
	for (i = 0; i < m->n_group_rows; i++) {
		const esip_fsm_group_row *r = &m->group_rows[i];
		char name[160];

		if (!group_row_sane(m, r))
			bad += problem(err, m, "group row %u names an unknown group, event, state "
				       "or action", i);
		else if (!r->ref || !*r->ref)
			bad += problem(err, m, "%s cites no RFC section",
				       group_row_name(m, i, name, sizeof name));
	}
	return bad;
}

static int overlap(const esip_fsm_machine *m, FILE *err, unsigned s, unsigned e, int w,
		   int also)
{
	char a[160], b[160];

	return problem(err, m, "cell (%s, %s) is covered by two rows, %s and %s: the first applies",
		       m->state_names[s], m->event_names[e],
		       group_row_name(m, (unsigned)w, a, sizeof a),
		       group_row_name(m, (unsigned)also, b, sizeof b));
}

/* Which group and any rows apply somewhere, and where two compete for one
 * cell (reported once per losing row). */
static int check_group_use(const esip_fsm_machine *m, FILE *err)
{
	unsigned char *used = calloc((size_t)m->n_group_rows + 1, 2), *lost;
	int bad = 0, w, also;
	unsigned s, e, i;
	char name[160];

	if (!used)
		return problem(err, m, "out of memory");
	lost = used + m->n_group_rows + 1;
	for (i = 0; i < m->n_group_rows; i++)
		if (!group_row_sane(m, &m->group_rows[i]))
			used[i] = lost[i] = 1; /* reported already */
	for (s = 0; s < m->n_states; s++) {
		for (e = 0; e < m->n_events; e++) {
			if (m->table[s * m->n_events + e].to_plus1)
				continue;
			w = esip__fsm_group_row_for(m, s, e, &also);
			if (w < 0)
				continue;
			used[w] = 1;
			if (also >= 0 && !lost[also]) {
				lost[also] = 1;
				bad += overlap(m, err, s, e, w, also);
			}
		}
	}
	for (i = 0; i < m->n_group_rows; i++)
		if (!used[i])
			bad += problem(err, m, "%s applies in no state",
				       group_row_name(m, i, name, sizeof name));
	free(used);
	return bad;
}

/* States reachable from the initial state, over every cell that runs. */
static void reach(const esip_fsm_machine *m, unsigned char *reached)
{
	unsigned char queue[256];
	unsigned head = 0, tail = 0, e;

	reached[m->initial] = 1;
	queue[tail++] = m->initial;
	while (head < tail) {
		unsigned s = queue[head++];
		for (e = 0; e < m->n_events; e++) {
			const esip_fsm_cell *c = esip__fsm_cell(m, s, e);
			unsigned to;
			if (!c)
				continue;
			to = esip_fsm_cell_target(c, s);
			if (to < m->n_states && !reached[to]) {
				reached[to] = 1;
				queue[tail++] = (unsigned char)to;
			}
		}
	}
}

static int check_reachability(const esip_fsm_machine *m, FILE *err)
{
	unsigned char reached[256] = {0};
	int bad = 0, finals = 0;
	unsigned s;

	reach(m, reached);
	for (s = 0; s < m->n_states; s++) {
		if (!reached[s])
			bad += problem(err, m, "state %s is unreachable", m->state_names[s]);
		if (m->final[s] && reached[s])
			finals++;
	}
	if (!finals)
		bad += problem(err, m, "no final state is reachable");
	return bad;
}

/* Every non-final state needs a way out (a SAME row is none) and every
 * action a use and a description.  Events may go unused: the machines of
 * one layer share one event vocabulary. */
static int check_usage(const esip_fsm_machine *m, FILE *err)
{
	unsigned char used_act[256] = {0};
	int bad = 0;
	unsigned i, e;

	for (i = 0; i < m->n_states; i++) {
		bool out = false;
		if (m->final[i])
			continue;
		for (e = 0; e < m->n_events && !out; e++) {
			const esip_fsm_cell *c = esip__fsm_cell(m, i, e);
			out = c && esip_fsm_cell_target(c, i) != i;
		}
		if (!out)
			bad += problem(err, m, "state %s is a dead end (no row leaves it)",
				       m->state_names[i]);
	}
	for (i = 0; i < m->n_rows; i++)
		if (m->rows[i].action < m->n_actions)
			used_act[m->rows[i].action] = 1;
	for (i = 0; i < m->n_group_rows; i++)
		if (m->group_rows[i].cell.action < m->n_actions)
			used_act[m->group_rows[i].cell.action] = 1;
	for (i = 0; i < m->n_actions; i++) {
		if (!used_act[i])
			bad += problem(err, m, "action %s is never used", m->action_names[i]);
		if (!m->effects || !m->effects[i] || !*m->effects[i])
			bad += problem(err, m, "action %s has no FSM_EFFECTS description",
				       m->action_names[i]);
	}
	return bad;
}

int esip_fsm_check(const esip_fsm_machine *m, FILE *err)
{
	unsigned char *seen;
	int bad = 0;

	if (!m->n_states || m->initial >= m->n_states)
		return problem(err, m, "no states");
	if (m->policy == ESIP_FSM_POLICY_ERROR && m->error_event >= m->n_events)
		bad += problem(err, m, "the ERROR policy needs an event named error");
	seen = calloc((size_t)m->n_states * m->n_events + 1, 1);
	if (!seen)
		return problem(err, m, "out of memory");
	bad += check_rows(m, err, seen);
	free(seen);
	bad += check_groups(m, err);
	bad += check_group_use(m, err);
	bad += check_reachability(m, err);
	bad += check_usage(m, err);
	return bad;
}
