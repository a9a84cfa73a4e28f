/*
 * fuzz_ua_check.c - the invariants of the UA cores, asserted after every
 * step of the program (fuzz_ua.c):
 *
 *  - the transaction layer's own (esip__txl_check);
 *  - the live list: every call on it is linked (CF_LIVE), attached to its
 *    UA, in no final state, found in the dialog table by its ID, idle (no
 *    interpreter depth, no queued event), its two timers armed exactly
 *    when their slot says so, its requests and subscriptions its own and
 *    idle; their number is esip_ua_live_calls(), and so is the number of
 *    calls whose last reported state is not final (the application's
 *    count, from events alone); the bytes they hold are call_bytes;
 *  - every call the application knows: its state is the last one
 *    reported (and its lock-free mirror says the same); one in a final
 *    state is detached, unlinked, holds no armed timer, request,
 *    transaction, subscription or reference to another call;
 *  - the requests in flight are idle and their owners' pointers point
 *    back at them;
 *  - the shared wheel holds no more timers than the live objects can arm;
 *  - quiescent (the clock ran out, nothing delivered, every lookup
 *    answered): no transaction, no request, no armed timer, no
 *    subscription, and every live call established;
 *
 * and for every message a core sends (fz_check_sent): a request carries
 * a From tag, Max-Forwards and an RFC 3261 branch, and its CSeq never goes
 * down within one dialog while its call lives (12.2.1.1; a retransmission
 * or the 18.1.1 retry repeats it; after the call, a stray 2xx of it gets
 * a BYE numbered from the INVITE, 13.2.2.4; not once lookups were
 * answered out of order: each request waits for its own, with the number
 * it got when it was made); a response other than 100 carries a To tag (8.2.6.2).
 */
#include "fuzz_ua.h"
#include "txn_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void dump_txn(esip_hnode *hn, void *ud)
{
	const esip_txn *t = ESIP_CONTAINER_OF(hn, esip_txn, node);

	fprintf(stderr, "  live txn kind %u state %s method %u status %u owner %p\n", t->kind,
		esip_fsm_state_name(esip__txn_machine((esip_txn_kind)t->kind), t->state),
		t->method_id, t->status, t->owner);
}

static void check_timers(const esip_call *c)
{
	assert(esip_timer_active(&c->t_a) == (c->ta_id != DT_NONE));
	assert(esip_timer_active(&c->t_b) == (c->tb_id != DT_NONE));
}

/* A live call's own requests and subscriptions. */
static size_t check_live_call(esip_ua *ua, esip_call *c, bool quiescent)
{
	const refer_sub *s;
	size_t armed = 0;

	assert(c->ua == ua);
	assert(c->flags & CF_LIVE);
	assert(!esip_call_state_is_final((esip_call_state)c->state));
	assert(c->depth == 0 && c->pending_n == 0);
	assert(esip__call_find(ua, esip_str_cstr(c->call_id),
			       esip_str_cstr(c->local_tag)) == c);
	check_timers(c);
	armed += esip_timer_active(&c->t_a) + esip_timer_active(&c->t_b);
	assert(!c->inv || c->inv->owner == c);
	assert(!c->bye || c->bye->owner == c);
	for (s = c->subs; s; s = s->next) {
		assert(s->call == c);
		assert(s->state != ref_S_terminated); /* a terminated one is freed */
		assert(s->depth == 0 && s->pending_n == 0);
		assert(!s->refer || s->refer->owner == s);
		assert(!s->notify || s->notify->owner == s);
		armed += esip_timer_active(&s->t);
	}
	if (quiescent) {
		assert(c->state == dlg_S_established);
		assert(!c->subs && !c->inv && !c->bye && !armed);
	}
	return armed;
}

static void check_ended_call(const esip_call *c)
{
	assert(!c->ua);
	assert(!(c->flags & CF_LIVE));
	assert(!esip_timer_active(&c->t_a) && !esip_timer_active(&c->t_b));
	assert(!c->inv && !c->bye && !c->ist);
	assert(!c->subs && !c->notify_sub && !c->replacing && !c->legs);
	assert(!c->next && !c->prev);
}

static void check_node(fz_world *w, fz_node *n, bool quiescent, size_t *armed)
{
	esip_ua *ua = n->ua;
	esip_call *c;
	ua_req *r;
	uint64_t bytes = 0;
	uint32_t live = 0, known_live = 0;
	size_t i;
	int bad = esip__txl_check(ua->txl);

	if (bad) {
		fprintf(stderr, "esip__txl_check: %d\n", bad);
		abort();
	}
	for (c = ua->live; c; c = c->next) {
		assert(!c->next || c->next->prev == c);
		*armed += check_live_call(ua, c, quiescent);
		bytes += c->bytes;
		live++;
	}
	assert(live == ua->n_live && live == esip_ua_live_calls(ua));
	assert(bytes == ua->stats.call_bytes);
	for (i = 0; i < w->n_calls; i++) {
		const fz_call *fc = &w->calls[i];
		esip_call_state st;
		if (fc->node != n->idx || !fc->call)
			continue;
		st = esip_ua_call_state(fc->call);
		/* every change of state was reported */
		assert(st == fc->state);
		assert(esip_call_state_now(fc->call) == st);
		if (esip_call_state_is_final(st))
			check_ended_call(fc->call);
		else
			known_live++;
	}
	/* the application's count, from events alone, is the core's */
	assert(known_live == live);
	for (r = ua->reqs; r; r = r->next) {
		assert(r->ua == ua);
		assert(r->depth == 0 && r->pending_n == 0);
		assert(r->state != req_S_done);
		assert(!r->slot || *r->slot == r);
		assert(!r->next || r->next->prev == r);
	}
	*armed += 2u * ua->txl->live_total;
	if (quiescent) {
		assert(!ua->reqs);
		if (ua->txl->live_total) {
			fprintf(stderr, "node %d: transactions left:\n", n->idx);
			esip_htab_foreach(&ua->txl->table, dump_txn, NULL);
			abort();
		}
	}
}

void fz_check(fz_world *w, bool quiescent)
{
	size_t armed = 0;
	int i;

	for (i = 0; i < FZ_NODES; i++)
		check_node(w, &w->nodes[i], quiescent, &armed);
	/* a timer in the wheel belongs to something live */
	assert(esip_timerwheel_count(&w->wheel) <= armed);
	if (quiescent)
		assert(esip_timerwheel_count(&w->wheel) == 0);
}

/* FNV-1a of s, then a byte no token has */
static uint64_t hash_str(uint64_t h, esip_str s)
{
	size_t k;

	for (k = 0; k < s.len; k++)
		h = (h ^ (unsigned char)s.p[k]) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull;
}

/* Our side of a dialog: the node, the Call-ID and our tag. */
static uint64_t our_side(int node, esip_str call_id, esip_str tag)
{
	return hash_str(hash_str(1469598103934665603ull ^ (uint64_t)node, call_id), tag);
}

void fz_dialog_ended(fz_world *w, int node, const esip_call *c)
{
	uint64_t k = our_side(node, esip_str_cstr(esip_call_id(c)),
			      esip_str_cstr(esip_call_local_tag(c)));
	size_t i;

	/* its numbers are over: a request built later from a stray 2xx of
	 * it (13.2.2.4) starts afresh */
	for (i = 0; i < FZ_SEEN; i++)
		if (w->seen[i].ours == k)
			w->seen[i].ours = w->seen[i].theirs = 0;
}

void fz_check_sent(fz_world *w, int node, const esip_msg *m)
{
	fz_seen *seen = w->seen;
	uint64_t key, theirs;
	size_t i;

	if (m->kind == ESIP_MSG_RESPONSE) {
		/* (a request without To gets a response without one) */
		assert(m->status == 100 || m->to.tag.p || !esip_msg_hdr(m, ESIP_HDR_TO));
		return;
	}
	assert(m->from.tag.p && m->from.tag.len);
	assert(m->max_forwards >= 0);
	assert(m->via.branch.len > 7 && !memcmp(m->via.branch.p, "z9hG4bK", 7));
	if (m->method_id == ESIP_METHOD_ACK || m->method_id == ESIP_METHOD_CANCEL)
		return; /* they take the INVITE's number */
	if (w->reordered)
		return; /* a request numbered earlier may leave later (reported) */
	/* a retransmission repeats an older request: only a new branch counts */
	key = hash_str(1469598103934665603ull, m->via.branch);
	for (i = 0; i < FZ_BRANCHES; i++)
		if (w->branches[i] == key)
			return;
	w->branches[w->n_branches++ % FZ_BRANCHES] = key;
	key = our_side(node, m->call_id, m->from.tag);
	theirs = hash_str(0, m->to.tag);
	for (i = 0; i < FZ_SEEN; i++) {
		if (seen[i].ours == key && seen[i].theirs == theirs) {
			if (m->cseq < seen[i].cseq) {
				fprintf(stderr, "CSeq %u after %u in a dialog:\n%.*s\n", m->cseq,
					seen[i].cseq, (int)m->len, m->buf);
				abort();
			}
			seen[i].cseq = m->cseq;
			return;
		}
		if (!seen[i].ours) {
			seen[i].ours = key;
			seen[i].theirs = theirs;
			seen[i].cseq = m->cseq;
			return;
		}
	}
}
