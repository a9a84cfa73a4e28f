/*
 * deferred.c - application callbacks, queued while the stack lock is held
 * and run, in order, after the loop releases it (esip/stack.h: "callbacks
 * run on the loop thread with no lock held").  Log lines are formatted
 * only when their level passes the configured one; trace copies the bytes
 * only when a trace hook is set.
 */
#include "stack_int.h"

#include <stdio.h>
#include <string.h>

static void push(esip_stack *s, stk_cb *c)
{
	c->next = NULL;
	if (s->cb_tail)
		s->cb_tail->next = c;
	else
		s->cb_head = c;
	s->cb_tail = c;
}

static stk_cb *make(esip_stack *s, stk_cb_kind kind, size_t len)
{
	stk_cb *c = esip_malloc(s->alloc, sizeof *c + len + 1);

	if (!c)
		return NULL;
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->len = len;
	c->text[len] = 0;
	return c;
}

void esip__stack_log(esip_stack *s, esip_log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	stk_cb *c;
	int n;

	if (!s->cfg.log || level > s->cfg.log_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line)
		n = sizeof line - 1;
	c = make(s, STK_CB_LOG, (size_t)n);
	if (!c)
		return;
	c->level = (int)level;
	memcpy(c->text, line, (size_t)n);
	push(s, c);
}

void esip__stack_trace(esip_stack *s, bool outgoing, esip_tp tp, const esip_addr *local,
		       const esip_addr *peer, const void *bytes, size_t len)
{
	stk_cb *c;

	if (!s->cfg.trace)
		return;
	c = make(s, STK_CB_TRACE, len);
	if (!c)
		return;
	memcpy(c->text, bytes, len);
	if (local)
		c->local = *local;
	if (peer)
		c->peer = *peer;
	c->trace.outgoing = outgoing;
	c->trace.tp = tp;
	c->trace.bytes = c->text;
	c->trace.len = len;
	c->trace.now_ms = esip__stack_now();
	push(s, c);
}

stk_cb *esip__stack_response_cb_new(esip_stack *s)
{
	return make(s, STK_CB_RESPONSE, STK_REASON_MAX);
}

void esip__stack_queue_response(esip_stack *s, stk_cb *c, esip_response_cb fn, void *ud,
				int status, const char *reason, size_t reason_len)
{
	/* c was allocated with the request, so an outcome is never lost to
	 * a failed allocation: the owner may be waiting on it */
	if (reason_len > STK_REASON_MAX)
		reason_len = STK_REASON_MAX;
	memcpy(c->text, reason, reason_len);
	c->text[reason_len] = 0;
	c->len = reason_len;
	c->fn = fn;
	c->ud = ud;
	c->status = status;
	if (fn)
		push(s, c);
	else
		esip_free(s->alloc, c);
}

stk_cb *esip__stack_take_callbacks(esip_stack *s)
{
	stk_cb *head = s->cb_head;

	s->cb_head = s->cb_tail = NULL;
	return head;
}

void esip__stack_run_callbacks(esip_stack *s, stk_cb *c)
{
	while (c) {
		stk_cb *next = c->next;
		switch (c->kind) {
		case STK_CB_LOG:
			if (s->cfg.log)
				s->cfg.log(s->cfg.ud, (esip_log_level)c->level, c->text);
			break;
		case STK_CB_TRACE:
			c->trace.local = &c->local;
			c->trace.peer = &c->peer;
			if (s->cfg.trace)
				s->cfg.trace(s->cfg.ud, &c->trace);
			break;
		case STK_CB_RESPONSE:
			c->fn(c->ud, c->status, c->text);
			break;
		}
		esip_free(s->alloc, c);
		c = next;
	}
}

void esip__stack_drop_callbacks(esip_stack *s)
{
	stk_cb *c = esip__stack_take_callbacks(s);

	while (c) {
		stk_cb *next = c->next;
		esip_free(s->alloc, c);
		c = next;
	}
}
