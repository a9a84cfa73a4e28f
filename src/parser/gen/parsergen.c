/*
 * parsergen.c - build-time generator for src/parser (run by meson, output
 * compiled into the library; never edited by hand).
 *
 * Emits:
 *  1. esip__cc[256], the character-class table of scan.h, from the RFC 3261
 *     25.1 definitions written out plainly below;
 *  2. the tables of the header-name lookup of hname.h for headers.def:
 *     a hash of (length, first letter, last letter) picks a slot, found
 *     here by trying multipliers until every such triple has a slot of
 *     its own; each entry holds the WHOLE name, which the lookup always
 *     confirms with 8-byte masked compares.  A hash never decides on its
 *     own (a header named "khd" is not Content-Length).  The multipliers
 *     go to OUTPUT.h as macros, so the lookup hashes with constants.
 *
 * usage: parsergen OUTPUT.c OUTPUT.h
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scan.h"

#define HNAME_MASK 511u /* slots - 1 */
#define HNAME_MAXLEN 24 /* three overlapping words cover the name */

struct hdr {
	const char *id;
	const char *name;
	char compact;
};

static const struct hdr hdrs[] = {
#define ESIP_HDR(id, name, compact, flags) {#id, name, compact},
#include <esip/headers.def>
#undef ESIP_HDR
};
#define NHDRS (sizeof hdrs / sizeof hdrs[0])

static bool in(int c, const char *set) { return c && c < 128 && strchr(set, c); }
static bool alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool digit(int c) { return c >= '0' && c <= '9'; }
static bool alnum(int c) { return alpha(c) || digit(c); }
/* RFC 3261 25.1: unreserved = alphanum / mark */
static bool unres(int c) { return alnum(c) || in(c, "-_.!~*'()"); }

static unsigned classes(int c)
{
	unsigned k = 0;

	if (alnum(c) || in(c, "-.!%*_+`'~"))
		k |= CC_TOKEN | CC_WORD;
	if (in(c, "()<>:\\\"/[]?{}"))
		k |= CC_WORD;
	if (unres(c))
		k |= CC_UNRES | CC_USER | CC_PASS | CC_PARAM | CC_HNV | CC_URIC;
	if (in(c, "&=+$,;?/"))          /* user-unreserved */
		k |= CC_USER;
	if (in(c, "&=+$,"))             /* password */
		k |= CC_PASS;
	if (in(c, "[]/:&+$"))           /* param-unreserved */
		k |= CC_PARAM;
	if (in(c, "[]/?:+$"))           /* hnv-unreserved */
		k |= CC_HNV;
	if (in(c, ";/?:@&=+$,"))        /* reserved */
		k |= CC_URIC;
	if (alnum(c) || c == '-' || c == '.')
		k |= CC_HOST;
	if (digit(c))
		k |= CC_DIGIT;
	if (digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
		k |= CC_HEX;
	if (alpha(c))
		k |= CC_ALPHA;
	if (c == ' ' || c == '\t')
		k |= CC_WS;
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
		k |= CC_LWS;
	/* qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII */
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x21 ||
	    (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) || c >= 0x80)
		k |= CC_QDTEXT;
	if (alnum(c) || c == '+' || c == '-' || c == '.')
		k |= CC_SCHEME;
	if ((k & CC_TOKEN) || c == ':' || c == '[' || c == ']')
		k |= CC_GENVAL;
	return k;
}

/*
 * The vector form of each class of esip__cc (simd.h): for class bit k,
 * row k holds, for each low nibble l, a byte with bit h set when octet
 * (h << 4 | l) is in the class, for h = 0..7.  A shuffle by the low
 * nibbles and one by the high nibbles (giving 1 << h) then test 16 or 32
 * octets at once; octets from 0x80 up are outside every row.
 */
static void emit_vclass(FILE *o)
{
	int k, l, h;

	fprintf(o, "const uint8_t esip__vclass[%d][16] = {\n", ESIP__NCLASS);
	for (k = 0; k < ESIP__NCLASS; k++) {
		fprintf(o, "\t{");
		for (l = 0; l < 16; l++) {
			unsigned row = 0;
			for (h = 0; h < 8; h++)
				if (classes(h << 4 | l) & (1u << k))
					row |= 1u << h;
			fprintf(o, "%s0x%02x", l ? ", " : "", row);
		}
		fprintf(o, "},\n");
	}
	fprintf(o, "};\n\n");
}

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c | 0x20 : c; }

/* Every spelling the lookup accepts: full names and compact forms. */
struct key {
	const char *s; /* lower case */
	size_t len;
	size_t hdr;    /* index in hdrs[] */
};
static struct key keys[2 * NHDRS];
static size_t nkeys;
static char compact_names[NHDRS][2];

static unsigned hname_hash(unsigned a, unsigned b, unsigned c, const char *s, size_t len)
{
	return ((((unsigned char)s[0] | 0x20u) * a + ((unsigned char)s[len - 1] | 0x20u) * b +
		 (unsigned)len * c) &
		HNAME_MASK);
}

static bool same_triple(const struct key *x, const struct key *y)
{
	return x->len == y->len && x->s[0] == y->s[0] && x->s[x->len - 1] == y->s[y->len - 1];
}

/* The first multipliers (a, b, c) that put every (length, first, last
 * letter) triple in a slot of its own.  Names that share a triple
 * (Refer-To and Reply-To) cannot be told apart by it: they share the
 * slot and are chained. */
static bool find_hash(unsigned *ra, unsigned *rb, unsigned *rc)
{
	static size_t owner[HNAME_MASK + 1]; /* key index + 1 per slot */
	unsigned a, b, c;
	size_t i;

	for (a = 1; a < 256; a++)
		for (b = 1; b < 256; b++)
			for (c = 1; c < 256; c++) {
				memset(owner, 0, sizeof owner);
				for (i = 0; i < nkeys; i++) {
					unsigned h = hname_hash(a, b, c, keys[i].s, keys[i].len);
					if (owner[h] && !same_triple(&keys[owner[h] - 1], &keys[i]))
						break;
					owner[h] = i + 1;
				}
				if (i == nkeys) {
					*ra = a, *rb = b, *rc = c;
					return true;
				}
			}
	return false;
}

/* A little-endian word of name[off, off + 8) (past len: 0): its
 * lower-case bytes, or 0x20 where it has a letter (fold). */
static uint64_t name_word(const char *name, size_t len, size_t off, bool fold)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8 && off + i < len; i++) {
		int c = (unsigned char)name[off + i];
		v |= (uint64_t)(fold ? (alpha(c) ? 0x20u : 0u) : (unsigned)lower(c)) << (8 * i);
	}
	return v;
}

/* hname.h's three words: offsets 0, mid and len - 8 (len >= 8), else
 * word 0 alone. */
static void emit_words(FILE *o, const char *name, size_t len, bool fold)
{
	size_t mid = len > 16 ? 8 : len - 8;

	if (len >= 8)
		fprintf(o, "{0x%016llxull, 0x%016llxull, 0x%016llxull}",
			(unsigned long long)name_word(name, len, 0, fold),
			(unsigned long long)name_word(name, len, mid, fold),
			(unsigned long long)name_word(name, len, len - 8, fold));
	else
		fprintf(o, "{0x%016llxull, 0, 0}",
			(unsigned long long)name_word(name, len, 0, fold));
}

/* The name lookup of hname.h: a slot per (length, first, last letter)
 * hash, chained entries, each the whole name to confirm. */
static int emit_hname(FILE *o, FILE *h)
{
	uint8_t slot[HNAME_MASK + 1] = {0}, next[2 * NHDRS + 1] = {0};
	unsigned a, b, c;
	size_t i, maxlen = 0;

	for (i = 0; i < NHDRS; i++) {
		size_t len = strlen(hdrs[i].name);
		char *s = malloc(len + 1), *d;
		if (!s)
			return -1;
		for (d = s; *hdrs[i].name && (size_t)(d - s) < len; d++)
			*d = (char)lower((unsigned char)hdrs[i].name[d - s]);
		*d = 0;
		keys[nkeys++] = (struct key){s, len, i};
		if (len > maxlen)
			maxlen = len;
		if (hdrs[i].compact) {
			compact_names[i][0] = (char)lower(hdrs[i].compact);
			keys[nkeys++] = (struct key){compact_names[i], 1, i};
		}
	}
	if (maxlen > HNAME_MAXLEN) {
		fprintf(stderr, "parsergen: a header name is longer than %d\n", HNAME_MAXLEN);
		return -1;
	}
	if (!find_hash(&a, &b, &c)) {
		fprintf(stderr, "parsergen: no header-name hash found\n");
		return -1;
	}
	/* entries 1..nkeys; a slot holds the first, next[] the chain */
	for (i = nkeys; i-- > 0;) {
		unsigned hv = hname_hash(a, b, c, keys[i].s, keys[i].len);
		next[i + 1] = slot[hv];
		slot[hv] = (uint8_t)(i + 1);
	}
	fprintf(h, "#define ESIP__HNAME_A %uu\n#define ESIP__HNAME_B %uu\n#define ESIP__HNAME_C %uu\n"
		   "#define ESIP__HNAME_MASK %uu\n#define ESIP__HNAME_MAXLEN %zuu\n",
		a, b, c, HNAME_MASK, maxlen);
	fprintf(o, "const uint8_t esip__hname_slot[%u] = {", HNAME_MASK + 1);
	for (i = 0; i <= HNAME_MASK; i++)
		fprintf(o, "%s%u,", i % 16 ? " " : "\n\t", slot[i]);
	fprintf(o, "\n};\n\nconst esip__hname esip__hname_tab[%zu] = {\n\t{{0}, {0}, 0, 0, 0, 0, 0, {0}},\n",
		nkeys + 1);
	for (i = 0; i < nkeys; i++) {
		fprintf(o, "\t{");
		emit_words(o, keys[i].s, keys[i].len, false);
		fprintf(o, ", ");
		emit_words(o, keys[i].s, keys[i].len, true);
		fprintf(o, ", 0x%016llxull, %zu, %zu, ESIP_HDR_%s, %u, {0}}, /* %s */\n",
			keys[i].len < 8 ? (unsigned long long)(~0ull >> (64 - 8 * keys[i].len)) : 0ull,
			keys[i].len,
			keys[i].len > 16 ? (size_t)8 : keys[i].len >= 8 ? keys[i].len - 8 : 0,
			hdrs[keys[i].hdr].id, next[i + 1], keys[i].s);
	}
	fprintf(o, "};\n");
	return 0;
}

int main(int argc, char **argv)
{
	FILE *o, *h;
	int c;

	if (argc != 3) {
		fprintf(stderr, "usage: parsergen OUTPUT.c OUTPUT.h\n");
		return 2;
	}
	o = fopen(argv[1], "w");
	h = fopen(argv[2], "w");
	if (!o || !h) {
		perror(o ? argv[2] : argv[1]);
		return 1;
	}
	fprintf(o, "/* Generated by src/parser/gen/parsergen.c from scan.h and "
		   "headers.def - do not edit. */\n"
		   "#include \"parse_int.h\"\n#include \"scan.h\"\n#include \"hname.h\"\n\n");
	fprintf(h, "/* Generated by src/parser/gen/parsergen.c from headers.def - "
		   "do not edit.\n * The header-name hash of hname.h. */\n");

	fprintf(o, "const uint32_t esip__cc[256] = {");
	for (c = 0; c < 256; c++)
		fprintf(o, "%s0x%05x,", c % 8 ? " " : "\n\t", classes(c));
	fprintf(o, "\n};\n\n");
	emit_vclass(o);
	if (emit_hname(o, h))
		return 1;
	if (fclose(o) || fclose(h)) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
