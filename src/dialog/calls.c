/*
 * calls.c - call objects: allocation with their immutable dialog strings,
 * reference counting, the dialog table (Call-ID + local tag: both sides
 * of RFC 3261 12's dialog ID that this UA chose or knows first), the
 * strings that change, and the memory each call holds (call_bytes).
 */
#include "dialog_int.h"

#include <string.h>

static uint64_t call_hash(const esip_ua *ua, esip_str call_id, esip_str local_tag)
{
	esip_hash_state st;
	uint32_t n = (uint32_t)call_id.len;
	unsigned char b[160];

	/* lengths in, so ("ab","c") and ("a","bc") differ; gathered in one
	 * buffer when they fit (a hash call per part costs more than the
	 * copy), the same bytes streamed otherwise */
	if (sizeof n + call_id.len + local_tag.len <= sizeof b) {
		/* an empty part may have no bytes at all (p NULL): no copy */
		memcpy(b, &n, sizeof n);
		if (call_id.len)
			memcpy(b + sizeof n, call_id.p, call_id.len);
		if (local_tag.len)
			memcpy(b + sizeof n + call_id.len, local_tag.p, local_tag.len);
		return esip_hash(&ua->hkey, b, sizeof n + call_id.len + local_tag.len);
	}
	esip_hash_begin(&st, &ua->hkey);
	esip_hash_update(&st, &n, sizeof n);
	esip_hash_update(&st, call_id.p, call_id.len);
	esip_hash_update(&st, local_tag.p, local_tag.len);
	return esip_hash_end(&st);
}

esip_call *esip__call_new(esip_ua *ua, esip_call_dir dir, esip_str call_id, esip_str local_tag,
			  esip_str local_uri, esip_str remote_uri, esip_str local_display)
{
	size_t n = call_id.len + local_tag.len + local_uri.len + remote_uri.len +
		   local_display.len + 5, off = 0;
	esip_call *c;
	char *s;

	c = esip_calloc(ua->alloc, 1, sizeof *c + n);
	if (!c)
		return NULL;
	atomic_init(&c->refs, 1);
	atomic_init(&c->pub, dlg_S_idle);
	c->ua = ua;
	c->ua_ud = ua->ud;
	c->alloc = ua->alloc;
	c->dir = (uint8_t)dir;
	c->state = dlg_S_idle;
	c->bytes = (uint32_t)(sizeof *c + n);
	s = c->strings;
#define PUT(field, v)                                                                  \
	do {                                                                           \
		if ((v).len)                                                           \
			memcpy(s + off, (v).p, (v).len);                              \
		s[off + (v).len] = 0;                                                  \
		c->field = s + off;                                                    \
		off += (v).len + 1;                                                    \
	} while (0)
	PUT(call_id, call_id);
	PUT(local_tag, local_tag);
	PUT(local_uri, local_uri);
	PUT(remote_uri, remote_uri);
	PUT(local_display, local_display);
#undef PUT
	esip_timer_init(&c->t_a, esip__dlg_timer_a);
	esip_timer_init(&c->t_b, esip__dlg_timer_b);
	return c;
}

int esip__call_link(esip_call *c)
{
	esip_ua *ua = c->ua;
	int rc = esip_htab_insert(&ua->calls, &c->node,
				  call_hash(ua, esip_str_cstr(c->call_id),
					    esip_str_cstr(c->local_tag)));

	if (rc < 0)
		return rc;
	/* incoming calls also by the peer's tag: 8.2.2.2 looks for them
	 * without knowing ours */
	if (c->dir == ESIP_CALL_INCOMING_DIR) {
		rc = esip_htab_insert(&ua->incoming, &c->node_in,
				      call_hash(ua, esip_str_cstr(c->call_id),
						esip_str_cstr(c->remote_tag)));
		if (rc < 0) {
			esip_htab_remove(&ua->calls, &c->node);
			return rc;
		}
	}
	c->flags |= CF_LIVE;
	c->prev = NULL;
	c->next = ua->live;
	if (ua->live)
		ua->live->prev = c;
	ua->live = c;
	ua->n_live++;
	ua->stats.call_bytes += c->bytes;
	if (c->dir == ESIP_CALL_OUTGOING)
		ua->stats.calls_out++;
	else
		ua->stats.calls_in++;
	return 0;
}

void esip__call_unlink(esip_call *c)
{
	esip_ua *ua = c->ua;

	if (!(c->flags & CF_LIVE))
		return;
	c->flags &= (uint16_t)~CF_LIVE;
	esip_htab_remove(&ua->calls, &c->node);
	if (c->dir == ESIP_CALL_INCOMING_DIR)
		esip_htab_remove(&ua->incoming, &c->node_in);
	if (c->prev)
		c->prev->next = c->next;
	else
		ua->live = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
	ua->n_live--;
	ua->stats.call_bytes -= c->bytes;
}

esip_call *esip__call_find(esip_ua *ua, esip_str call_id, esip_str local_tag)
{
	esip_hiter it;
	esip_hnode *n;

	if (!call_id.p || !local_tag.p)
		return NULL;
	for (n = esip_htab_first(&ua->calls, call_hash(ua, call_id, local_tag), &it); n;
	     n = esip_htab_next(&it)) {
		esip_call *c = ESIP_CONTAINER_OF(n, esip_call, node);
		if (esip_str_eq_cstr(call_id, c->call_id) &&
		    esip_str_eq_cstr(local_tag, c->local_tag))
			return c;
	}
	return NULL;
}

esip_call *esip__call_find_incoming(esip_ua *ua, esip_str call_id, esip_str remote_tag)
{
	esip_hiter it;
	esip_hnode *n;

	if (!call_id.p || !remote_tag.p)
		return NULL;
	for (n = esip_htab_first(&ua->incoming, call_hash(ua, call_id, remote_tag), &it); n;
	     n = esip_htab_next(&it)) {
		esip_call *c = ESIP_CONTAINER_OF(n, esip_call, node_in);
		if (esip_str_eq_cstr(call_id, c->call_id) && c->remote_tag &&
		    esip_str_eq_cstr(remote_tag, c->remote_tag))
			return c;
	}
	return NULL;
}

/* The call with this Call-ID, our tag `ours` and the peer's `theirs`. */
static esip_call *find_pair(esip_ua *ua, esip_str call_id, esip_str ours, esip_str theirs)
{
	esip_call *c = esip__call_find(ua, call_id, ours);

	return c && c->remote_tag && esip_str_eq_cstr(theirs, c->remote_tag) ? c : NULL;
}

esip_call *esip__call_target_dialog(esip_ua *ua, const esip_msg *m)
{
	const esip_hdr *h = esip_msg_hdr(m, ESIP_HDR_TARGET_DIALOG);
	esip_target_dialog td;
	esip_call *c;

	if (!h || esip_target_dialog_parse(h->value, &td) < 0)
		return NULL;
	/* RFC 4538 7 names the tags from the sender's side of the dialog
	 * (remote-tag is ours); some implementations write them from the
	 * recipient's.  Tags are random (19.3), so trying both cannot match
	 * a dialog the header does not name. */
	c = find_pair(ua, td.call_id, td.remote_tag, td.local_tag);
	if (!c)
		c = find_pair(ua, td.call_id, td.local_tag, td.remote_tag);
	return c && !esip_call_state_is_final((esip_call_state)c->state) ? c : NULL;
}

/* Bytes a live call holds change with its strings; a detached or ended
 * call is no longer counted. */
static void account(esip_call *c, long delta)
{
	c->bytes = (uint32_t)((long)c->bytes + delta);
	if ((c->flags & CF_LIVE) && c->ua)
		c->ua->stats.call_bytes = (uint64_t)((long)c->ua->stats.call_bytes + delta);
}

int esip__call_setbytes(esip_call *c, char **slot, uint32_t *len, esip_str s)
{
	char *p = NULL;

	if (s.p) {
		p = esip_malloc(c->alloc, s.len + 1);
		if (!p)
			return ESIP_ENOMEM;
		if (s.len)
			memcpy(p, s.p, s.len);
		p[s.len] = 0;
		account(c, (long)s.len + 1);
	}
	if (*slot)
		account(c, -(long)(strlen(*slot) + 1));
	esip_free(c->alloc, *slot);
	*slot = p;
	if (len)
		*len = (uint32_t)s.len;
	return 0;
}

int esip__call_setstr(esip_call *c, char **slot, esip_str s)
{
	return esip__call_setbytes(c, slot, NULL, s);
}

void esip__call_free_strings(esip_call *c)
{
	esip__call_setstr(c, &c->remote_tag, ESIP_STR_NULL);
	esip__call_setstr(c, &c->remote_target, ESIP_STR_NULL);
	esip__call_setstr(c, &c->replaces_hdr, ESIP_STR_NULL);
	esip__call_setbytes(c, &c->local_sdp, &c->local_sdp_len, ESIP_STR_NULL);
	esip__call_setbytes(c, &c->remote_sdp, &c->remote_sdp_len, ESIP_STR_NULL);
	if (c->routes) {
		account(c, -(long)c->routes_len);
		esip_free(c->alloc, c->routes);
		c->routes = NULL;
		c->n_routes = c->routes_len = 0;
	}
	if (c->headers) {
		esip_free(c->alloc, c->headers);
		c->headers = NULL;
		c->n_headers = 0;
	}
	esip__dlg_legs_free(c);
}

/* ---- references ------------------------------------------------------------------ */

void esip_call_ref(esip_call *c)
{
	if (c)
		atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

void esip_call_unref(esip_call *c)
{
	if (!c)
		return;
	/* the last reference frees: acquire what the other holders wrote */
	if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
		return;
	esip__call_free_strings(c);
	esip_free(c->alloc, c);
}

/* ---- accessors ---------------------------------------------------------------------- */

esip_ua *esip_call_ua(const esip_call *c) { return c ? c->ua : NULL; }
void *esip_call_ua_userdata(const esip_call *c) { return c ? c->ua_ud : NULL; }
esip_call_dir esip_call_direction(const esip_call *c) { return (esip_call_dir)c->dir; }
const char *esip_call_id(const esip_call *c) { return c->call_id; }
const char *esip_call_local_tag(const esip_call *c) { return c->local_tag; }
const char *esip_call_local_uri(const esip_call *c) { return c->local_uri; }
const char *esip_call_remote_uri(const esip_call *c) { return c->remote_uri; }
void *esip_call_user_data(const esip_call *c) { return c->user_data; }
void esip_call_set_user_data(esip_call *c, void *ud) { c->user_data = ud; }

esip_call_state esip_ua_call_state(const esip_call *c) { return (esip_call_state)c->state; }
unsigned esip_ua_call_status(const esip_call *c) { return c->status; }

esip_call_state esip_call_state_now(const esip_call *c)
{
	return (esip_call_state)(atomic_load_explicit(&c->pub, memory_order_acquire) & 0xff);
}

unsigned esip_call_status_now(const esip_call *c)
{
	return atomic_load_explicit(&c->pub, memory_order_acquire) >> 8;
}

static long copy_out(const char *s, size_t len, char *out, size_t cap)
{
	if (!cap)
		return ESIP_ENOSPC;
	if (len >= cap) {
		memcpy(out, s, cap - 1);
		out[cap - 1] = 0;
		return ESIP_ENOSPC;
	}
	if (len)
		memcpy(out, s, len);
	out[len] = 0;
	return (long)len;
}

long esip_ua_call_remote_tag(const esip_call *c, char *out, size_t cap)
{
	const char *s = c->remote_tag ? c->remote_tag : "";

	return copy_out(s, strlen(s), out, cap);
}

long esip_ua_call_remote_target(const esip_call *c, char *out, size_t cap)
{
	const char *s = c->remote_target ? c->remote_target : "";

	return copy_out(s, strlen(s), out, cap);
}

long esip_ua_call_remote_sdp(const esip_call *c, char *out, size_t cap)
{
	return copy_out(c->remote_sdp ? c->remote_sdp : "", c->remote_sdp ? c->remote_sdp_len : 0,
			out, cap);
}

static const char *const state_names[] = {
	"idle",       "calling",  "proceeding", "ringing",   "established",
	"terminating", "terminated", "failed",  "incoming",  "alerting",
	"referring",  "referred", "refer_pending", "replacing", "replaced",
};

_Static_assert(sizeof state_names / sizeof state_names[0] == ESIP_CALL__STATE_COUNT,
	       "a name per public state");
_Static_assert((int)dlg_S__COUNT == (int)ESIP_CALL__STATE_COUNT,
	       "dialog.def has the public states");
_Static_assert((int)dlg_S_established == (int)ESIP_CALL_ESTABLISHED &&
		       (int)dlg_S_terminated == (int)ESIP_CALL_TERMINATED &&
		       (int)dlg_S_incoming == (int)ESIP_CALL_INCOMING &&
		       (int)dlg_S_replaced == (int)ESIP_CALL_REPLACED,
	       "dialog.def lists the states in the public order");

const char *esip_call_state_name(esip_call_state st)
{
	return (unsigned)st < ESIP_CALL__STATE_COUNT ? state_names[st] : "?";
}

bool esip_call_state_is_final(esip_call_state st)
{
	return st == ESIP_CALL_TERMINATED || st == ESIP_CALL_FAILED || st == ESIP_CALL_REPLACED;
}
