/*
 * fsm_check.c - the table checker and the Mermaid diagram writer.
 *
 * Both work from the machine's row list (as written in the .def file), so
 * a duplicated cell, which the dense table cannot show, is still seen.
 * Run for every machine by the esip-fsm tool under `meson test`; the same
 * tool writes the diagrams into the docs at build time.
 */
#include <esip/fsm.h>

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
		c = esip_fsm_lookup(m, r->from, r->event);
		if (!c || c->to_plus1 - 1 != r->to || c->action != r->action)
			bad += problem(err, m, "dense table disagrees with row (%s, %s)",
				       m->state_names[r->from], m->event_names[r->event]);
		if (!r->ref || !*r->ref)
			bad += problem(err, m, "row (%s, %s) cites no RFC section",
				       m->state_names[r->from], m->event_names[r->event]);
	}
	return bad;
}

/* States reachable from the initial state over the rows. */
static void reach(const esip_fsm_machine *m, unsigned char *reached)
{
	bool changed = true;
	unsigned i;

	reached[m->initial] = 1;
	while (changed) {
		changed = false;
		for (i = 0; i < m->n_rows; i++) {
			const esip_fsm_row *r = &m->rows[i];
			if (r->from < m->n_states && r->to < m->n_states && reached[r->from] &&
			    !reached[r->to]) {
				reached[r->to] = 1;
				changed = true;
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

/* Every non-final state needs a way out and every action a use.  Events
 * may go unused: the machines of one layer share one event vocabulary. */
static int check_usage(const esip_fsm_machine *m, FILE *err)
{
	unsigned char used_act[256] = {0}, has_out[256] = {0};
	int bad = 0;
	unsigned i;

	for (i = 0; i < m->n_rows; i++) {
		const esip_fsm_row *r = &m->rows[i];
		if (r->action < m->n_actions)
			used_act[r->action] = 1;
		if (r->from < m->n_states && r->to != r->from)
			has_out[r->from] = 1;
	}
	for (i = 0; i < m->n_states; i++)
		if (!m->final[i] && !has_out[i])
			bad += problem(err, m, "state %s is a dead end (no row leaves it)",
				       m->state_names[i]);
	for (i = 0; i < m->n_actions; i++)
		if (!used_act[i])
			bad += problem(err, m, "action %s is never used", m->action_names[i]);
	return bad;
}

int esip_fsm_check(const esip_fsm_machine *m, FILE *err)
{
	unsigned char *seen;
	int bad = 0;

	if (!m->n_states || m->initial >= m->n_states)
		return problem(err, m, "no states");
	seen = calloc((size_t)m->n_states * m->n_events + 1, 1);
	if (!seen)
		return problem(err, m, "out of memory");
	bad += check_rows(m, err, seen);
	free(seen);
	bad += check_reachability(m, err);
	bad += check_usage(m, err);
	return bad;
}

void esip_fsm_mermaid(const esip_fsm_machine *m, FILE *out)
{
	unsigned i;

	fprintf(out, "stateDiagram-v2\n");
	fprintf(out, "    [*] --> %s\n", m->state_names[m->initial]);
	for (i = 0; i < m->n_rows; i++) {
		const esip_fsm_row *r = &m->rows[i];
		fprintf(out, "    %s --> %s : %s / %s [%s]\n", m->state_names[r->from],
			m->state_names[r->to], m->event_names[r->event],
			m->action_names[r->action], r->ref ? r->ref : "");
	}
	for (i = 0; i < m->n_states; i++)
		if (m->final[i])
			fprintf(out, "    %s --> [*]\n", m->state_names[i]);
}
