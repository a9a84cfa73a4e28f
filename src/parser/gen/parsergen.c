/*
 * parsergen.c - build-time generator for src/parser (run by meson, output
 * compiled into the library; never edited by hand).
 *
 * Emits:
 *  1. esip__cc[256], the character-class table of scan.h, from the RFC 3261
 *     25.1 definitions written out plainly below;
 *  2. the tables of the header-name lookup of hname.h for headers.def:
 *     a multiplicative hash of the name's first and last 8 bytes and its
 *     length picks a slot; the multipliers are found here by trying a
 *     fixed sequence until every spelling has a slot of its own, and go
 *     to OUTPUT.h as macros, so the lookup hashes with constants.  Each
 *     entry holds the WHOLE name, which the lookup always confirms with
 *     8-byte masked compares: a hash never decides on its own (a header
 *     named "khd" is not Content-Length).
 *
 * usage: parsergen OUTPUT.c OUTPUT.h
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scan.h"

#define HNAME_BITS 9    /* 512 slots */
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

/* The little-endian word of name[off, off + 8), bytes past len 0: its
 * lower-case bytes (FOLD_WANT), 0x20 where it has a letter (FOLD_MASK),
 * or its bytes | 0x20 as the hash folds them, bytes past len 0x20 too
 * (FOLD_HASH). */
enum fold { FOLD_WANT, FOLD_MASK, FOLD_HASH };
static uint64_t name_word(const char *name, size_t len, size_t off, enum fold f)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8; i++) {
		int c = off + i < len ? (unsigned char)name[off + i] : 0;
		unsigned b = f == FOLD_WANT   ? (unsigned)lower(c)
			     : f == FOLD_MASK ? (alpha(c) ? 0x20u : 0u)
					      : (unsigned)c | 0x20u;
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

/* hname.h's hash, written out the same way. */
static unsigned hname_hash(uint64_t k1, uint64_t k2, const char *s, size_t len)
{
	uint64_t a = name_word(s, len, 0, FOLD_HASH);
	uint64_t b = len >= 8 ? name_word(s, len, len - 8, FOLD_HASH) : 0;

	return (unsigned)((a * k1 + (b + len) * k2) >> (64 - HNAME_BITS));
}

/* A fixed sequence of odd multipliers (splitmix64): the output does not
 * change from one build to the next. */
static uint64_t next_mult(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31)) | 1;
}

/* The first multipliers that give every spelling a slot of its own. */
static bool find_hash(uint64_t *rk1, uint64_t *rk2)
{
	static bool taken[1u << HNAME_BITS];
	uint64_t state = 1, k1, k2;
	size_t i, tries;

	for (tries = 0; tries < 1000000; tries++) {
		k1 = next_mult(&state);
		k2 = next_mult(&state);
		memset(taken, 0, sizeof taken);
		for (i = 0; i < nkeys; i++) {
			unsigned h = hname_hash(k1, k2, keys[i].s, keys[i].len);
			if (taken[h])
				break;
			taken[h] = true;
		}
		if (i == nkeys) {
			*rk1 = k1, *rk2 = k2;
			return true;
		}
	}
	return false;
}

/* hname.h's three words: offsets 0, mid and len - 8 for names of 8
 * bytes or more (mid 8 over 16 bytes, else len - 8), else word 0. */
static void emit_words(FILE *o, const char *name, size_t len, enum fold f)
{
	size_t mid = len > 16 ? 8 : len - 8;

	if (len >= 8)
		fprintf(o, "{0x%016llxull, 0x%016llxull, 0x%016llxull}",
			(unsigned long long)name_word(name, len, 0, f),
			(unsigned long long)name_word(name, len, mid, f),
			(unsigned long long)name_word(name, len, len - 8, f));
	else
		fprintf(o, "{0x%016llxull, 0, 0}", (unsigned long long)name_word(name, len, 0, f));
}

/* The tables of hname.h: the slot of each spelling's hash, and each
 * spelling's whole name to confirm. */
static int emit_hname(FILE *o, FILE *h)
{
	uint8_t slot[1u << HNAME_BITS] = {0};
	uint64_t k1, k2;
	size_t i, maxlen = 0;

	for (i = 0; i < NHDRS; i++) {
		size_t len = strlen(hdrs[i].name), j;
		char *s = malloc(len + 1);
		if (!s)
			return -1;
		for (j = 0; j <= len; j++)
			s[j] = (char)lower((unsigned char)hdrs[i].name[j]);
		keys[nkeys++] = (struct key){s, len, i};
		if (len > maxlen)
			maxlen = len;
		if (hdrs[i].compact) {
			compact_names[i][0] = (char)lower(hdrs[i].compact);
			keys[nkeys++] = (struct key){compact_names[i], 1, i};
		}
	}
	if (maxlen > HNAME_MAXLEN || nkeys > 255) {
		fprintf(stderr, "parsergen: header names over %d bytes or over 255 spellings\n",
			HNAME_MAXLEN);
		return -1;
	}
	if (!find_hash(&k1, &k2)) {
		fprintf(stderr, "parsergen: no header-name hash found\n");
		return -1;
	}
	for (i = 0; i < nkeys; i++)
		slot[hname_hash(k1, k2, keys[i].s, keys[i].len)] = (uint8_t)(i + 1);
	fprintf(h, "#define ESIP__HNAME_K1 0x%016llxull\n#define ESIP__HNAME_K2 0x%016llxull\n"
		   "#define ESIP__HNAME_BITS %u\n#define ESIP__HNAME_MAXLEN %zuu\n",
		(unsigned long long)k1, (unsigned long long)k2, HNAME_BITS, maxlen);
	fprintf(o, "const uint8_t esip__hname_slot[%u] = {", 1u << HNAME_BITS);
	for (i = 0; i < 1u << HNAME_BITS; i++)
		fprintf(o, "%s%u,", i % 16 ? " " : "\n\t", slot[i]);
	fprintf(o, "\n};\n\nconst esip__hname esip__hname_tab[%zu] = {\n\t{{0}, {0}, 0, 0, {0}},\n",
		nkeys + 1);
	for (i = 0; i < nkeys; i++) {
		fprintf(o, "\t{");
		emit_words(o, keys[i].s, keys[i].len, FOLD_WANT);
		fprintf(o, ", ");
		emit_words(o, keys[i].s, keys[i].len, FOLD_MASK);
		fprintf(o, ", %zu, ESIP_HDR_%s, {0}}, /* %s */\n", keys[i].len,
			hdrs[keys[i].hdr].id, keys[i].s);
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
