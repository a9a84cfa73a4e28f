/*
 * fsm_capture.h - what the engine's writers print, as a string, for the
 * fsm suites (test_fsm.c, test_fsm_groups.c).  The caller frees it.
 */
#ifndef ESIP_FSM_CAPTURE_H
#define ESIP_FSM_CAPTURE_H

#include <esip/fsm.h>

#include <stdio.h>

/* esip_fsm_check's report; *problems gets its count. */
static inline char *fsm_check_output(const esip_fsm_machine *m, int *problems)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*problems = esip_fsm_check(m, f);
	fclose(f);
	return buf;
}

/* esip_fsm_mermaid's or esip_fsm_markdown's output. */
static inline char *fsm_draw(void (*fn)(const esip_fsm_machine *, FILE *),
			     const esip_fsm_machine *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(m, f);
	fclose(f);
	return buf;
}

#endif
