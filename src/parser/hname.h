/*
 * hname.h - header name -> esip_hdr_id (internal to src/parser).
 *
 * A header name is looked up on every header line, so the lookup is
 * inline and branch-light: a hash of the length and the first and last
 * letters (folded to lower case) picks a slot of a 512-entry table; the
 * slot's entry, and the entries chained after it, hold whole names that
 * are confirmed with up to three 8-byte masked compares.  The hash never
 * decides on its own (a header named "khd" is not Content-Length).  The
 * tables and the multipliers are generated from headers.def by
 * gen/parsergen.c, which picks multipliers that give every (length,
 * first, last) triple its own slot; only names that share a triple
 * (Refer-To and Reply-To) share a chain.
 */
#ifndef ESIP_PARSER_HNAME_H
#define ESIP_PARSER_HNAME_H

#include <esip/parser.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "parser_generated.h"
#include "scan.h"

/*
 * One spelling (full name or compact form) as three little-endian words
 * of its lower-case bytes: a name of 8 bytes or more as the words at
 * offsets 0, mid and len - 8, which overlap so that no load reads past
 * the name (mid is 8 for names over 16 bytes, else len - 8); a shorter
 * name as word 0, zero-padded.
 */
typedef struct esip__hname {
	uint64_t want[3];
	uint64_t fold[3]; /* 0x20 where the name has a letter: only letters
			   * fold ('\r' | 0x20 is '-') */
	uint64_t keep;    /* 0xff per byte of a name under 8 bytes */
	uint8_t len;
	uint8_t mid;
	uint8_t id;       /* esip_hdr_id */
	uint8_t next;     /* next entry of the chain, 0 = none */
	uint8_t pad_[4];  /* 64 bytes an entry */
} esip__hname;

extern const uint8_t esip__hname_slot[ESIP__HNAME_MASK + 1];
extern const esip__hname esip__hname_tab[];

/* The name [p, p + e->len) is entry e's; avail bytes are readable. */
static inline bool esip__hname_eq(const char *p, size_t avail, const esip__hname *e)
{
	size_t n = e->len, i;
	uint64_t v;

	if (n >= 8) {
		uint64_t d = (ld64(p) | e->fold[0]) ^ e->want[0];
		d |= (ld64(p + e->mid) | e->fold[1]) ^ e->want[1];
		d |= (ld64(p + n - 8) | e->fold[2]) ^ e->want[2];
		return !d;
	}
	if (avail >= 8) {
		v = ld64(p) & e->keep;
	} else {
		v = 0;
		for (i = 0; i < n; i++)
			v |= (uint64_t)(unsigned char)p[i] << (8 * i);
	}
	return (v | e->fold[0]) == e->want[0];
}

/*
 * Header name [p, p + n) -> id, ESIP_HDR_OTHER if unknown; avail >= n
 * bytes are readable from p (8 let a short name be one load).
 */
static inline esip_hdr_id esip__hname_lookup(const char *p, size_t n, size_t avail)
{
	unsigned i;

	if (n - 1 >= ESIP__HNAME_MAXLEN) /* n == 0 wraps */
		return ESIP_HDR_OTHER;
	i = esip__hname_slot[((((unsigned char)p[0] | 0x20u) * ESIP__HNAME_A +
			       ((unsigned char)p[n - 1] | 0x20u) * ESIP__HNAME_B +
			       (unsigned)n * ESIP__HNAME_C) &
			      ESIP__HNAME_MASK)];
	while (i) {
		const esip__hname *e = &esip__hname_tab[i];
		if (e->len == n && esip__hname_eq(p, avail, e))
			return (esip_hdr_id)e->id;
		i = e->next;
	}
	return ESIP_HDR_OTHER;
}

#endif
