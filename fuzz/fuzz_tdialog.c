/*
 * fuzz_tdialog.c - the two headers that name a dialog by Call-ID and two
 * tags: Target-Dialog (RFC 4538 7, esip_target_dialog_parse) and Replaces
 * (RFC 3891 6.1, esip_replaces_parse), fed the same bytes.  Checked:
 *  - a success gives a non-empty Call-ID and both tags, all inside the
 *    input, the tags free of ';' '=' and white space; a failure is
 *    ESIP_EBAD_VALUE;
 *  - both parsers read the same Call-ID when both succeed;
 *  - a success prints back canonically ("cid;local-tag=L;remote-tag=R",
 *    and with the tags in the other order) to the same values, and the
 *    same dialog written as the other header parses as that header
 *    (to-tag = local-tag, from-tag = remote-tag; early-only kept).
 */
#include <esip/parser.h>

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool eq(esip_str a, esip_str b)
{
	return a.len == b.len && (!a.len || !memcmp(a.p, b.p, a.len));
}

static void inside(esip_str v, const char *p, size_t n, bool tag)
{
	assert(v.p && v.len);
	assert(v.p >= p && v.p + v.len <= p + n);
	if (tag)
		assert(!memchr(v.p, ';', v.len) && !memchr(v.p, '=', v.len) &&
		       !memchr(v.p, ' ', v.len) && !memchr(v.p, '\t', v.len));
}

/* "cid;a=X;b=Y[;early-only]" into a new buffer (the caller frees). */
static char *print(esip_str cid, const char *a, esip_str x, const char *b, esip_str y,
		   bool early, size_t *len)
{
	size_t cap = cid.len + x.len + y.len + 64;
	char *buf = malloc(cap);
	int n;

	if (!buf)
		abort();
	n = snprintf(buf, cap, "%.*s;%s=%.*s;%s=%.*s%s", ESIP_STR_FMT(cid), a, ESIP_STR_FMT(x), b,
		     ESIP_STR_FMT(y), early ? ";early-only" : "");
	assert(n > 0 && (size_t)n < cap);
	*len = (size_t)n;
	return buf;
}

static void round_trip_td(const esip_target_dialog *td)
{
	esip_target_dialog t2;
	esip_replaces r;
	size_t len;
	char *s;

	s = print(td->call_id, "local-tag", td->local_tag, "remote-tag", td->remote_tag, false,
		  &len);
	assert(esip_target_dialog_parse(esip_str_make(s, len), &t2) == 0);
	assert(eq(t2.call_id, td->call_id) && eq(t2.local_tag, td->local_tag) &&
	       eq(t2.remote_tag, td->remote_tag));
	free(s);
	s = print(td->call_id, "remote-tag", td->remote_tag, "local-tag", td->local_tag, false,
		  &len);
	assert(esip_target_dialog_parse(esip_str_make(s, len), &t2) == 0);
	assert(eq(t2.local_tag, td->local_tag) && eq(t2.remote_tag, td->remote_tag));
	free(s);
	s = print(td->call_id, "to-tag", td->local_tag, "from-tag", td->remote_tag, false, &len);
	assert(esip_replaces_parse(esip_str_make(s, len), &r) == 0);
	assert(eq(r.call_id, td->call_id) && eq(r.to_tag, td->local_tag) &&
	       eq(r.from_tag, td->remote_tag) && !r.early_only);
	free(s);
}

static void round_trip_replaces(const esip_replaces *r)
{
	esip_target_dialog td;
	esip_replaces r2;
	size_t len;
	char *s;

	s = print(r->call_id, "from-tag", r->from_tag, "to-tag", r->to_tag, r->early_only, &len);
	assert(esip_replaces_parse(esip_str_make(s, len), &r2) == 0);
	assert(eq(r2.call_id, r->call_id) && eq(r2.to_tag, r->to_tag) &&
	       eq(r2.from_tag, r->from_tag) && r2.early_only == r->early_only);
	free(s);
	s = print(r->call_id, "local-tag", r->to_tag, "remote-tag", r->from_tag, false, &len);
	assert(esip_target_dialog_parse(esip_str_make(s, len), &td) == 0);
	assert(eq(td.call_id, r->call_id) && eq(td.local_tag, r->to_tag) &&
	       eq(td.remote_tag, r->from_tag));
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	esip_target_dialog td;
	esip_replaces r;
	int rc1 = esip_target_dialog_parse(esip_str_make(p, size), &td);
	int rc2 = esip_replaces_parse(esip_str_make(p, size), &r);

	assert(rc1 == 0 || rc1 == ESIP_EBAD_VALUE);
	assert(rc2 == 0 || rc2 == ESIP_EBAD_VALUE);
	if (rc1 == 0) {
		inside(td.call_id, p, size, false);
		inside(td.local_tag, p, size, true);
		inside(td.remote_tag, p, size, true);
		round_trip_td(&td);
	}
	if (rc2 == 0) {
		inside(r.call_id, p, size, false);
		inside(r.to_tag, p, size, true);
		inside(r.from_tag, p, size, true);
		round_trip_replaces(&r);
	}
	if (rc1 == 0 && rc2 == 0)
		assert(eq(td.call_id, r.call_id));
	return 0;
}
