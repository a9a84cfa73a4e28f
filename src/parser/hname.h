/*
 * hname.h - header name -> esip_hdr_id (internal to src/parser).
 *
 * A header name is looked up on every header line, so the lookup is
 * inline and has no loop: a multiplicative hash of the name's first 8
 * bytes, its last 8 bytes (names of 8 bytes or more) and its length, the
 * letters folded to lower case, picks one of 512 slots; the slot names
 * at most one entry, whose whole name is confirmed with two or three
 * 8-byte masked compares.  The hash never decides on its own (a header
 * named "khd" is not Content-Length).  The tables and the multipliers
 * are generated from headers.def by gen/parsergen.c, which picks
 * multipliers that give every spelling (full names and compact forms) a
 * slot of its own.
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
 * One spelling, as three little-endian words of its lower-case bytes: a
 * name of 8 bytes or more as the words at offsets 0, mid and len - 8,
 * which overlap so that no load reads past the name (mid is 8 for names
 * over 16 bytes, else len - 8); a shorter name as word 0, zero-padded.
 */
typedef struct esip__hname {
	uint64_t want[3];
	uint64_t fold[3]; /* 0x20 where the name has a letter: only letters
			   * fold ('\r' | 0x20 is '-') */
	uint8_t len;
	uint8_t id;       /* esip_hdr_id */
	uint8_t pad_[14]; /* 64 bytes an entry */
} esip__hname;

extern const uint8_t esip__hname_slot[1u << ESIP__HNAME_BITS];
extern const esip__hname esip__hname_tab[];

/* The hash folds every byte with 0x20, the bytes after a short name too
 * (the confirming compare folds letters only). */
#define ESIP__HNAME_FOLD 0x2020202020202020ull

/* Header name [p, p + n), 1 <= n <= ESIP__HNAME_MAXLEN, with at least 8
 * bytes readable from p. */
static inline __attribute__((always_inline)) esip_hdr_id esip__hname_lookup8(const char *p, size_t n)
{
	const esip__hname *e;
	uint64_t w0 = ld64(p), wl, d;

	/* the bytes of a name under 8 bytes */
	static const uint64_t keep[8] = {0,
					 0xffull,
					 0xffffull,
					 0xffffffull,
					 0xffffffffull,
					 0xffffffffffull,
					 0xffffffffffffull,
					 0xffffffffffffffull};

	if (n < 8) {
		w0 &= keep[n];
		e = &esip__hname_tab[esip__hname_slot[((w0 | ESIP__HNAME_FOLD) * ESIP__HNAME_K1 +
						       n * ESIP__HNAME_K2) >>
						      (64 - ESIP__HNAME_BITS)]];
		return e->len == n && (w0 | e->fold[0]) == e->want[0] ? (esip_hdr_id)e->id
								       : ESIP_HDR_OTHER;
	}
	wl = ld64(p + n - 8);
	e = &esip__hname_tab[esip__hname_slot[((w0 | ESIP__HNAME_FOLD) * ESIP__HNAME_K1 +
					       ((wl | ESIP__HNAME_FOLD) + n) * ESIP__HNAME_K2) >>
					      (64 - ESIP__HNAME_BITS)]];
	d = ((w0 | e->fold[0]) ^ e->want[0]) | ((wl | e->fold[2]) ^ e->want[2]);
	if (n > 16)
		d |= (ld64(p + 8) | e->fold[1]) ^ e->want[1];
	return e->len == n && !d ? (esip_hdr_id)e->id : ESIP_HDR_OTHER;
}

/* The same for a name with fewer than 8 bytes readable, from a copy
 * (hdr.c). */
esip_hdr_id esip__hname_lookup_short(const char *p, size_t n);

/*
 * Header name [p, p + n) -> id, ESIP_HDR_OTHER if unknown; avail >= n
 * bytes are readable from p.
 */
static inline __attribute__((always_inline)) esip_hdr_id esip__hname_lookup(const char *p, size_t n, size_t avail)
{
	if (n - 1 >= ESIP__HNAME_MAXLEN) /* n == 0 wraps */
		return ESIP_HDR_OTHER;
	return avail >= 8 ? esip__hname_lookup8(p, n) : esip__hname_lookup_short(p, n);
}

#endif
