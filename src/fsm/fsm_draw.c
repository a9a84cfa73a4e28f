/*
 * fsm_draw.c - the Mermaid diagram and the Markdown row table of a
 * machine (esip_fsm_mermaid, esip_fsm_markdown), both from its row lists
 * and its FSM_EFFECTS texts.  The esip-fsm tool writes them into the docs
 * at build time.
 */
#include "fsm_int.h"

#include <string.h>

/* Mermaid ids of the boxes standing for a group and for "any state";
 * the double underscore keeps them apart from C-named states. */
#define GROUP_BOX "group__"
#define ANY_BOX "any__state"

/* Text inside a Mermaid edge label.  The label runs from its ':' to the
 * end of the line and may hold neither ':' nor ';' (stateDiagram's
 * grammar); Mermaid decodes "#<code>;" entities, so those two, '#' and the
 * HTML brackets are written as entities. */
static void mermaid_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case ':': fputs("#58;", out); break;
		case ';': fputs("#59;", out); break;
		case '#': fputs("#35;", out); break;
		case '<': fputs("#lt;", out); break;
		case '>': fputs("#gt;", out); break;
		case '\n': fputc(' ', out); break;
		default: fputc(*s, out);
		}
	}
}

/* Text inside a Markdown table cell: '|' would end the cell, and
 * emphasis, code and HTML characters would change the text (64*T1). */
static void markdown_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputc(' ', out);
		else {
			if (strchr("\\`*_|<>[]", *s))
				fputc('\\', out);
			fputc(*s, out);
		}
	}
}

static const char *effects_of(const esip_fsm_machine *m, unsigned action)
{
	return m->effects && action < m->n_actions ? m->effects[action] : NULL;
}

/* ": event / action (effects) [ref]" */
static void edge_label(const esip_fsm_machine *m, FILE *out, unsigned ev, unsigned action,
		       const char *ref)
{
	const char *fx = effects_of(m, action);

	fprintf(out, " : ");
	mermaid_text(out, esip_fsm_event_name(m, ev));
	fputs(" / ", out);
	mermaid_text(out, action < m->n_actions ? m->action_names[action] : "?");
	if (fx && *fx) {
		fputs(" (", out);
		mermaid_text(out, fx);
		fputc(')', out);
	}
	fputs(" [", out);
	mermaid_text(out, ref ? ref : "");
	fputs("]\n", out);
}

/* "Calling, Proceeding": the states of a group. */
static void group_members(const esip_fsm_machine *m, unsigned g, FILE *out)
{
	unsigned s;
	const char *sep = "";

	for (s = 0; s < m->n_states; s++) {
		if (esip_fsm_in_group(m, g, s)) {
			fprintf(out, "%s%s", sep, m->state_names[s]);
			sep = ", ";
		}
	}
}

static bool group_has_rows(const esip_fsm_machine *m, unsigned group)
{
	unsigned i;

	for (i = 0; i < m->n_group_rows; i++)
		if (m->group_rows[i].group == group)
			return true;
	return false;
}

/* The Mermaid node a group or any row starts from. */
static void box_id(const esip_fsm_machine *m, const esip_fsm_group_row *r, FILE *out)
{
	if (r->group == ESIP_FSM_ANY)
		fputs(ANY_BOX, out);
	else
		fprintf(out, GROUP_BOX "%s", esip_fsm_group_name(m, r->group));
}

void esip_fsm_mermaid(const esip_fsm_machine *m, FILE *out)
{
	unsigned i;

	fprintf(out, "stateDiagram-v2\n");
	fprintf(out, "    [*] --> %s\n", m->state_names[m->initial]);
	for (i = 0; i < m->n_groups; i++) {
		if (!group_has_rows(m, i))
			continue;
		fprintf(out, "    state \"group %s (", m->group_names[i]);
		group_members(m, i, out);
		fprintf(out, ")\" as " GROUP_BOX "%s\n", m->group_names[i]);
	}
	if (group_has_rows(m, ESIP_FSM_ANY))
		fprintf(out, "    state \"any non-final state\" as " ANY_BOX "\n");
	for (i = 0; i < m->n_rows; i++) {
		const esip_fsm_row *r = &m->rows[i];
		fprintf(out, "    %s --> %s", esip_fsm_state_name(m, r->from),
			esip_fsm_state_name(m, r->to));
		edge_label(m, out, r->event, r->action, r->ref);
	}
	for (i = 0; i < m->n_group_rows; i++) {
		const esip_fsm_group_row *r = &m->group_rows[i];
		fputs("    ", out);
		box_id(m, r, out);
		fputs(" --> ", out);
		if (r->cell.to_plus1 == ESIP_FSM_SAME)
			box_id(m, r, out);
		else
			fputs(esip_fsm_state_name(m, r->cell.to_plus1 - 1u), out);
		edge_label(m, out, r->event, r->cell.action, r->ref);
	}
	for (i = 0; i < m->n_states; i++)
		if (m->final[i])
			fprintf(out, "    %s --> [*]\n", m->state_names[i]);
}

static void table_row(const esip_fsm_machine *m, FILE *out, const char *from_prefix,
		      const char *from, unsigned ev, const char *to, unsigned action,
		      const char *ref)
{
	const char *fx = effects_of(m, action);

	fprintf(out, "| %s%s | %s | %s | %s | ", from_prefix, from, esip_fsm_event_name(m, ev),
		to, action < m->n_actions ? m->action_names[action] : "?");
	markdown_text(out, fx ? fx : "");
	fputs(" | ", out);
	markdown_text(out, ref ? ref : "");
	fputs(" |\n", out);
}

void esip_fsm_markdown(const esip_fsm_machine *m, FILE *out)
{
	unsigned i;

	fprintf(out, "## %s - %s\n\n", m->name, m->title);
	fprintf(out, "```mermaid\n");
	esip_fsm_mermaid(m, out);
	fprintf(out, "```\n\n");
	if (m->n_groups) {
		fprintf(out, "Groups:");
		for (i = 0; i < m->n_groups; i++) {
			fprintf(out, "%s `%s` = ", i ? ";" : "", m->group_names[i]);
			group_members(m, i, out);
		}
		fprintf(out, ".\n\n");
	}
	fprintf(out, "| from | event | to | action | effects | RFC |\n"
		     "|---|---|---|---|---|---|\n");
	for (i = 0; i < m->n_rows; i++) {
		const esip_fsm_row *r = &m->rows[i];
		table_row(m, out, "", esip_fsm_state_name(m, r->from), r->event,
			  esip_fsm_state_name(m, r->to), r->action, r->ref);
	}
	for (i = 0; i < m->n_group_rows; i++) {
		const esip_fsm_group_row *r = &m->group_rows[i];
		const char *to = r->cell.to_plus1 == ESIP_FSM_SAME
					 ? "(same)"
					 : esip_fsm_state_name(m, r->cell.to_plus1 - 1u);
		if (r->group == ESIP_FSM_ANY)
			table_row(m, out, "", "(any)", r->event, to, r->cell.action, r->ref);
		else
			table_row(m, out, "group ", esip_fsm_group_name(m, r->group), r->event,
				  to, r->cell.action, r->ref);
	}
	fprintf(out, "\n");
}
