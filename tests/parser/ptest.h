/*
 * ptest.h - helpers shared by the parser suites: messages and URIs parsed
 * from copies that end at a guard page (an over-read crashes even without
 * ASan), view assertions, and the RFC torture data files.
 */
#ifndef ESIP_PTEST_H
#define ESIP_PTEST_H

#include "testutil.h"

#include <esip/parser.h>
#include <stdbool.h>

#define NHDR 256

typedef struct parsed {
	guard_buf g;
	esip_hdr hdrs[NHDR];
	esip_msg m;
	int rc;
} parsed;

/* Parses data[0..len) placed against a guard page; returns (and keeps in
 * p->rc) what esip_msg_parse returned.  done() releases the copy. */
int parse_guarded(parsed *p, const char *data, size_t len, unsigned flags);
/* The same for a C string, as a datagram. */
int parse_str(parsed *p, const char *s);
void done(parsed *p);

/* A URI parsed from a guard-page copy of s; the views stay valid until
 * guri_free. */
typedef struct guri {
	guard_buf g;
	esip_uri u;
	int rc;
} guri;

int guri_parse(guri *x, const char *s);
void guri_free(guri *x);

/* A guard-page copy of s as a view (for value parsers). */
esip_str guard_str(guard_buf *g, const char *s);

/* s is present and equal to want; want == NULL asks for "absent". */
bool str_is(esip_str s, const char *want);
/* A file of tests/data/<sub>/ (malloc'd, NUL appended); fails the test
 * if it cannot be read. */
char *load(const char *sub, const char *name, size_t *len);

#endif
