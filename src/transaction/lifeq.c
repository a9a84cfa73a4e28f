/*
 * lifeq.c - queues of life timers that all run for one duration.
 *
 * Most long transaction timers have the same length: Timer J, H, L, M
 * (and B, D, F with their defaults) are 64*T1, Timer I and K are T4.
 * Started in time order, timers of one duration also expire in that
 * order, so such a timer needs no place in the wheel: it is appended to
 * the queue of its duration (O(1)), one wheel timer is armed for the head,
 * and an expiry pops the heads that are due.  What that saves is memory
 * traffic, not a sort: a 32 s timer in the wheel is moved twice by
 * cascades before it fires, and each move touches the cold transaction
 * it is embedded in (and its neighbours); in a queue it is touched when
 * appended (hot) and when it fires.  With 64,000 transactions waiting
 * for Timer J this is most of what the wheel costs (bench/README.md).
 *
 * The ends of absorbing states (Timer D, I, J, K, L, M) have queues of
 * their own, whose expiries are rounded up to cleanup_slot_ms: the head
 * timer then fires once per slot for all the transactions that end in
 * it, not once per millisecond that one ends in (at 1,000 calls/s two
 * ends a call, 32 s later, woke the owner's loop nearly every ms).  A
 * rounded expiry never passes a later one, so the queue keeps its order.
 *
 * A timer whose expiry would come before the tail's (the owner passed an
 * older `now`), or of another duration, goes to the wheel as before;
 * esip_timer_active() and the life_id invariants of esip__txl_check hold
 * either way (a queued timer's link is in the queue).
 */
#include "txn_int.h"

#include <string.h>

#define LINK_TXN(l) ESIP_CONTAINER_OF(l, esip_txn, t_life.link)

static esip_txn *head_of(const txn_lifeq *q)
{
	return q->head.next == &q->head ? NULL : LINK_TXN(q->head.next);
}

/* Arms the queue's wheel timer at its head's expiry (or stops it). */
static void rearm(txn_lifeq *q)
{
	esip_txn *h = head_of(q);

	if (q->firing)
		return; /* the running expiry re-arms when it is done */
	if (h)
		esip_timer_start(q->txl->wheel, &q->timer, h->t_life.expire);
	else
		esip_timer_stop(q->txl->wheel, &q->timer);
}

static void unlink_life(esip_txn *t)
{
	esip_tlink *l = &t->t_life.link;

	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->next = l->prev = NULL;
	t->flags2 &= (uint8_t)~TXF2_LIFE_QUEUED;
}

static void on_due(esip_timer *tm, uint64_t now)
{
	txn_lifeq *q = ESIP_CONTAINER_OF(tm, txn_lifeq, timer);
	esip_txn *t;

	/* each event may stop other queued timers or append new ones (due
	 * later than now: the loop ends) */
	q->firing = true;
	while ((t = head_of(q)) && t->t_life.expire <= now) {
		unsigned id = t->life_id;
		unlink_life(t);
		t->life_id = TM_NONE;
		esip__txn_event(t, esip__txn_timer_event(id), NULL, NULL, now);
	}
	q->firing = false;
	rearm(q);
}

void esip__lifeq_init(txn_lifeq *q, esip_txl *txl, uint32_t ms, bool cleanup, uint32_t slot)
{
	memset(q, 0, sizeof *q);
	q->head.next = q->head.prev = &q->head;
	q->txl = txl;
	q->ms = ms;
	q->cleanup = cleanup;
	q->slot = cleanup ? slot : 0;
	esip_timer_init(&q->timer, on_due);
}

void esip__lifeq_deinit(txn_lifeq *q)
{
	/* the transactions left it as they were freed */
	ESIP_ASSERT(!head_of(q));
	esip_timer_stop(q->txl->wheel, &q->timer);
}

bool esip__lifeq_start(txn_lifeq *q, esip_txn *t, uint64_t now)
{
	uint64_t expire = txn_slot_round(now + q->ms, q->slot);
	esip_tlink *l = &t->t_life.link;
	bool was_empty = q->head.next == &q->head;

	if (!was_empty && expire < LINK_TXN(q->head.prev)->t_life.expire)
		return false; /* out of order: the wheel's */
	ESIP_ASSERT(!l->prev);
	t->t_life.expire = expire;
	l->next = &q->head;
	l->prev = q->head.prev;
	q->head.prev->next = l;
	q->head.prev = l;
	t->flags2 |= TXF2_LIFE_QUEUED;
	if (was_empty)
		rearm(q);
	return true;
}

void esip__lifeq_stop(txn_lifeq *q, esip_txn *t)
{
	bool was_head = q->head.next == &t->t_life.link;

	unlink_life(t);
	if (was_head)
		rearm(q);
}
