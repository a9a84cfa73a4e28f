/* ptest.c - see ptest.h. */
#include "ptest.h"

#include <string.h>

int parse_guarded(parsed *p, const char *data, size_t len, unsigned flags)
{
	const char *in = guard_copy(&p->g, data, len);

	esip_msg_init(&p->m, p->hdrs, NHDR);
	p->rc = esip_msg_parse(&p->m, in, len, flags, NULL);
	return p->rc;
}

int parse_str(parsed *p, const char *s)
{
	return parse_guarded(p, s, strlen(s), ESIP_PARSE_DATAGRAM);
}

void done(parsed *p) { guard_free(&p->g); }

esip_str guard_str(guard_buf *g, const char *s)
{
	size_t n = strlen(s);

	return esip_str_make(guard_copy(g, s, n), n);
}

int guri_parse(guri *x, const char *s)
{
	x->rc = esip_uri_parse(guard_str(&x->g, s), &x->u);
	return x->rc;
}

void guri_free(guri *x) { guard_free(&x->g); }

bool str_is(esip_str s, const char *want)
{
	if (!want)
		return s.p == NULL;
	return s.p && esip_str_eq_cstr(s, want);
}

char *load(const char *sub, const char *name, size_t *len)
{
	char *b = test_read_file(test_path(test_path(ESIP_TEST_DATA_DIR, sub), name), len);

	ck_assert_ptr_nonnull(b);
	return b;
}
