/*
 * api.c - the thread-safe public operations of esip/stack.h: each takes
 * the stack lock (esip__stack_enter), calls the UA core (esip/dialog.h)
 * with the current time, flushes what it produced and wakes the loop.
 * A call finds its stack through esip_call_ua_userdata (immutable).
 */
#include "stack_int.h"

#include <string.h>

int esip_stack_send_options(esip_stack *s, const char *uri, esip_response_cb cb, void *ud)
{
	stk_cb *rec;
	int rc;

	if (!s)
		return ESIP_EINVAL;
	if ((rc = esip__stack_enter(s)) < 0)
		return rc;
	/* the outcome's record exists before the request does */
	rec = esip__stack_response_cb_new(s, cb, ud);
	if (!rec) {
		esip__stack_leave(s);
		return ESIP_ENOMEM;
	}
	rc = esip_ua_send_request(s->ua, "OPTIONS", uri, NULL, 0, NULL, rec, s->now);
	if (rc < 0)
		esip_free(s->alloc, rec);
	esip__stack_leave(s);
	return rc;
}

int esip_call_make(esip_stack *s, const esip_call_params *p, esip_call **out)
{
	int rc;

	if (out)
		*out = NULL;
	if (!s)
		return ESIP_EINVAL;
	if ((rc = esip__stack_enter(s)) < 0)
		return rc;
	rc = esip_ua_call_make(s->ua, p, s->now, out);
	esip__stack_leave(s);
	return rc;
}

int esip_call_make_replacing(esip_stack *s, const esip_call_params *p,
			     const esip_replaces_params *r, esip_call **out)
{
	int rc;

	if (out)
		*out = NULL;
	if (!s)
		return ESIP_EINVAL;
	if ((rc = esip__stack_enter(s)) < 0)
		return rc;
	rc = esip_ua_call_make_replacing(s->ua, p, r, s->now, out);
	esip__stack_leave(s);
	return rc;
}

/* Locks the call's stack: 0, or an error (lock not held). */
static int enter_call(esip_call *c, esip_stack **sp)
{
	esip_stack *s;
	int rc;

	if (!c)
		return ESIP_EINVAL;
	s = esip_call_ua_userdata(c);
	if (!s)
		return ESIP_EINVAL;
	if ((rc = esip__stack_enter(s)) < 0)
		return rc;
	*sp = s;
	return 0;
}

#define CALL_OP(expr)                                                                  \
	do {                                                                           \
		esip_stack *s;                                                         \
		int rc_ = enter_call(c, &s);                                           \
		if (rc_ < 0)                                                           \
			return rc_ == ESIP_ECLOSED ? ESIP_ESTATE : rc_;                \
		rc_ = (expr);                                                          \
		esip__stack_leave(s);                                                  \
		return rc_;                                                            \
	} while (0)

int esip_call_ring(esip_call *c, unsigned status, const char *sdp, size_t sdp_len)
{
	CALL_OP(esip_ua_call_ring(c, status, sdp, sdp_len, s->now));
}

int esip_call_accept(esip_call *c, const char *sdp, size_t sdp_len)
{
	CALL_OP(esip_ua_call_accept(c, sdp, sdp_len, s->now));
}

int esip_call_reject(esip_call *c, unsigned status, const char *reason)
{
	CALL_OP(esip_ua_call_reject(c, status, reason, s->now));
}

int esip_call_cancel(esip_call *c) { CALL_OP(esip_ua_call_cancel(c, s->now)); }

int esip_call_hangup(esip_call *c) { CALL_OP(esip_ua_call_hangup(c, s->now)); }

int esip_call_refer(esip_call *c, const char *target, esip_call *replaces,
		    const esip_refer_opts *opts)
{
	CALL_OP(esip_ua_call_refer(c, target, replaces, opts, s->now));
}

int esip_call_refer_accept(esip_call *c) { CALL_OP(esip_ua_call_refer_accept(c, s->now)); }

int esip_call_refer_reject(esip_call *c, unsigned status)
{
	CALL_OP(esip_ua_call_refer_reject(c, status, s->now));
}

/* Reads under the lock when the stack is alive; a call whose stack is
 * closing is read as it is (the loop no longer changes it). */
#define CALL_READ(type, expr)                                                          \
	do {                                                                           \
		esip_stack *s;                                                         \
		type v_;                                                               \
		if (enter_call(c, &s) < 0)                                             \
			return (expr);                                                 \
		v_ = (expr);                                                           \
		pthread_mutex_unlock(&s->lock);                                        \
		return v_;                                                             \
	} while (0)

esip_call_state esip_call_get_state(esip_call *c)
{
	return c ? esip_call_state_now(c) : ESIP_CALL_IDLE;
}

unsigned esip_call_get_status(esip_call *c) { return c ? esip_call_status_now(c) : 0; }

long esip_call_remote_tag(esip_call *c, char *out, size_t cap)
{
	if (!c || !out)
		return ESIP_EINVAL;
	CALL_READ(long, esip_ua_call_remote_tag(c, out, cap));
}

long esip_call_remote_target(esip_call *c, char *out, size_t cap)
{
	if (!c || !out)
		return ESIP_EINVAL;
	CALL_READ(long, esip_ua_call_remote_target(c, out, cap));
}

long esip_call_remote_sdp(esip_call *c, char *out, size_t cap)
{
	if (!c || !out)
		return ESIP_EINVAL;
	CALL_READ(long, esip_ua_call_remote_sdp(c, out, cap));
}

int esip_stack_register(esip_stack *s, const esip_register_params *p, esip_reg **out)
{
	int rc;

	if (out)
		*out = NULL;
	if (!s)
		return ESIP_EINVAL;
	if ((rc = esip__stack_enter(s)) < 0)
		return rc;
	rc = esip_ua_register(s->ua, p, s->now, out);
	esip__stack_leave(s);
	return rc;
}

int esip_stack_unregister(esip_stack *s, esip_reg *r)
{
	int rc;

	if (!s || !r)
		return ESIP_EINVAL;
	if ((rc = esip__stack_enter(s)) < 0)
		return rc;
	rc = esip_ua_unregister(r, s->now);
	esip__stack_leave(s);
	return rc;
}
