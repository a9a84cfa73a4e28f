/*
 * ua_calls.c - esip-ua's table of the calls it holds: found by handle in
 * a hash, listed for the walks that need every call (stop, transfers),
 * and the calls with something due (answer, hang up, transfer after MS)
 * in a heap by due time.
 *
 * With 100,000 calls held (bench/load_calls.sh) nothing that runs per
 * event or per loop round may walk every call: a state change finds its
 * call in O(1), a round looks at the earliest due time only.
 */
#include "ua_app.h"

#include <stdlib.h>
#include <string.h>

/* ---- by handle ----------------------------------------------------------------------- */

static size_t slot_of(const ua_app *app, const esip_call *c)
{
	uint64_t h = (uint64_t)(uintptr_t)c;

	/* the handle's address: its low bits are alignment, mix them out */
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (size_t)(h & (app->n_slots - 1));
}

/* Doubles the hash (at most one call per slot on average); false when out
 * of memory (the table stays as it was, only slower). */
static bool grow(ua_app *app)
{
	size_t n = app->n_slots ? app->n_slots * 2 : 64;
	ua_call **slots = calloc(n, sizeof *slots), *uc;

	if (!slots)
		return false;
	free(app->slots);
	app->slots = slots;
	app->n_slots = n;
	for (uc = app->calls; uc; uc = uc->next) {
		size_t s = slot_of(app, uc->call);
		uc->hnext = slots[s];
		slots[s] = uc;
	}
	return true;
}

ua_call *ua_call_find(ua_app *app, esip_call *c)
{
	ua_call *uc;

	if (!app->n_slots)
		return NULL;
	for (uc = app->slots[slot_of(app, c)]; uc; uc = uc->hnext)
		if (uc->call == c)
			return uc;
	return NULL;
}

ua_call *ua_call_hold(ua_app *app, esip_call *c, ua_role role)
{
	ua_call *uc;
	size_t s;

	if (app->n_calls >= app->n_slots && !grow(app) && !app->n_slots)
		return NULL;
	uc = calloc(1, sizeof *uc);
	if (!uc)
		return NULL;
	esip_call_ref(c);
	uc->app = app;
	uc->call = c;
	uc->role = role;
	uc->heap_at = -1;
	ua_short_id(esip_call_id(c), uc->id);
	uc->next = app->calls;
	if (app->calls)
		app->calls->prev = uc;
	app->calls = uc;
	s = slot_of(app, c);
	uc->hnext = app->slots[s];
	app->slots[s] = uc;
	app->n_calls++;
	return uc;
}

void ua_call_forget(ua_app *app, ua_call *uc)
{
	ua_call **pp, *o;

	ua_unschedule(uc);
	for (pp = &app->slots[slot_of(app, uc->call)]; *pp; pp = &(*pp)->hnext)
		if (*pp == uc) {
			*pp = uc->hnext;
			break;
		}
	if (uc->prev)
		uc->prev->next = uc->next;
	else
		app->calls = uc->next;
	if (uc->next)
		uc->next->prev = uc->prev;
	app->n_calls--;
	/* only a --consult call is another's consult (call mode: few calls) */
	if (uc->role == ROLE_CONSULT)
		for (o = app->calls; o; o = o->next)
			if (o->consult == uc)
				o->consult = NULL;
	esip_call_unref(uc->call);
	free(uc);
}

void ua_calls_free(ua_app *app)
{
	while (app->calls)
		ua_call_forget(app, app->calls);
	free(app->slots);
	free(app->due);
	app->slots = NULL;
	app->due = NULL;
	app->n_slots = app->due_cap = 0;
}

/* ---- by due time: a binary min-heap of the calls with todo set ----------------------------- */

static void heap_put(ua_app *app, size_t i, ua_call *uc)
{
	app->due[i] = uc;
	uc->heap_at = (long)i;
}

static void sift_up(ua_app *app, size_t i)
{
	ua_call *uc = app->due[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (app->due[p]->due <= uc->due)
			break;
		heap_put(app, i, app->due[p]);
		i = p;
	}
	heap_put(app, i, uc);
}

static void sift_down(ua_app *app, size_t i)
{
	ua_call *uc = app->due[i];

	for (;;) {
		size_t l = 2 * i + 1, m = i;
		const ua_call *best = uc;
		if (l < app->n_due && app->due[l]->due < best->due) {
			m = l;
			best = app->due[l];
		}
		if (l + 1 < app->n_due && app->due[l + 1]->due < best->due)
			m = l + 1;
		if (m == i)
			break;
		heap_put(app, i, app->due[m]);
		i = m;
	}
	heap_put(app, i, uc);
}

void ua_unschedule(ua_call *uc)
{
	ua_app *app = uc->app;
	ua_call *moved;
	size_t i;

	uc->todo = ACT_NONE;
	if (uc->heap_at < 0)
		return;
	i = (size_t)uc->heap_at;
	uc->heap_at = -1;
	if (--app->n_due == i)
		return;
	/* the last one takes its place, then finds its own: up, or else down */
	moved = app->due[app->n_due];
	heap_put(app, i, moved);
	sift_up(app, i);
	if (moved->heap_at == (long)i)
		sift_down(app, i);
}

void ua_schedule(ua_call *uc, ua_act act, long after_ms)
{
	ua_app *app = uc->app;

	ua_unschedule(uc);
	if (app->n_due == app->due_cap) {
		size_t cap = app->due_cap ? app->due_cap * 2 : 64;
		ua_call **d = realloc(app->due, cap * sizeof *d);
		if (!d)
			return; /* out of memory: nothing will be done for it */
		app->due = d;
		app->due_cap = cap;
	}
	uc->todo = act;
	uc->due = ua_now_ms() + (uint64_t)(after_ms > 0 ? after_ms : 0);
	heap_put(app, app->n_due++, uc);
	sift_up(app, app->n_due - 1);
}

ua_call *ua_next_due(const ua_app *app)
{
	return app->n_due ? app->due[0] : NULL;
}
