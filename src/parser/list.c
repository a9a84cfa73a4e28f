/*
 * list.c - header lookup and comma-separated list values (RFC 3261 7.3.1):
 * several values of a list header may share one line, separated by
 * commas; commas inside quoted-strings and <...> do not separate.
 */
#include "parse_int.h"
#include "scan.h"

/* The first top-level ',' in [p, end), or end. */
const char *esip__list_split(const char *p, const char *end)
{
	while (p < end) {
		switch (*p) {
		case ',':
			return p;
		case '"': {
			const char *q = scan_quoted(p, end);
			p = q ? q : end; /* unterminated: the value is bad anyway */
			continue;
		}
		case '<':
			while (p < end && *p != '>')
				p++;
			continue;
		}
		p++;
	}
	return end;
}

/* Number of non-empty elements of a list value.  Without quotes or <...>
 * every comma separates, so memchr finds them (the Via count of every
 * message is taken this way). */
unsigned esip__list_count(esip_str v)
{
	const char *p = v.p, *end = str_end(v);
	unsigned n = 0;
	bool plain;

	if (!memchr(p, ',', v.len))
		return skip_lws(p, end) < end;
	plain = !memchr(p, '"', v.len) && !memchr(p, '<', v.len);
	while (p < end) {
		const char *e = plain ? memchr(p, ',', (size_t)(end - p)) : NULL;
		if (!plain)
			e = esip__list_split(p, end);
		else if (!e)
			e = end;
		n += skip_lws(p, e) < e;
		p = e < end ? e + 1 : e;
	}
	return n;
}

const esip_hdr *esip_msg_hdr(const esip_msg *m, esip_hdr_id id)
{
	uint32_t i;

	for (i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == id)
			return &m->hdrs[i];
	return NULL;
}

static bool same_header(const esip_hdr *a, const esip_hdr *b)
{
	if (a->id != b->id)
		return false;
	return a->id != ESIP_HDR_OTHER || esip_str_ieq(a->name, b->name);
}

const esip_hdr *esip_msg_hdr_next(const esip_msg *m, const esip_hdr *h)
{
	const esip_hdr *e = m->hdrs + m->nhdrs, *x;

	if (!h || h < m->hdrs || h >= e)
		return NULL;
	for (x = h + 1; x < e; x++)
		if (same_header(x, h))
			return x;
	return NULL;
}

const esip_hdr *esip_msg_hdr_by_name(const esip_msg *m, esip_str name)
{
	esip_hdr_id id = esip_hdr_lookup(name);
	uint32_t i;

	if (id != ESIP_HDR_OTHER)
		return esip_msg_hdr(m, id);
	for (i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == ESIP_HDR_OTHER && esip_str_ieq(m->hdrs[i].name, name))
			return &m->hdrs[i];
	return NULL;
}

unsigned esip_msg_hdr_count(const esip_msg *m, esip_hdr_id id)
{
	unsigned n = 0;
	uint32_t i;

	for (i = 0; i < m->nhdrs; i++)
		n += m->hdrs[i].id == id;
	return n;
}

void esip_list_iter_init(esip_list_iter *it, const esip_msg *m, esip_hdr_id id)
{
	it->m = m;
	it->id = (uint16_t)id;
	it->h = esip_msg_hdr(m, id);
	it->rest = it->h ? it->h->value : ESIP_STR_NULL;
}

int esip_list_next(esip_list_iter *it, esip_str *value)
{
	for (;;) {
		const char *p = it->rest.p, *end = str_end(it->rest), *e;
		if (!it->h)
			return 0;
		if (!p || !it->rest.len) {
			it->h = esip_msg_hdr_next(it->m, it->h);
			it->rest = it->h ? it->h->value : ESIP_STR_NULL;
			continue;
		}
		end = str_end(it->rest);
		e = esip__list_split(p, end);
		it->rest = mkstr(e < end ? e + 1 : e, end);
		p = skip_lws(p, e);
		e = rtrim_lws(p, e);
		if (p < e) {
			*value = mkstr(p, e);
			return 1;
		}
	}
}

int esip_via_next(esip_list_iter *it, esip_via *v)
{
	esip_str s;

	if (esip_list_next(it, &s) != 1)
		return 0;
	return esip_via_parse(s, v) ? ESIP_EBAD_VIA : 1;
}

/* CSeq = 1*DIGIT LWS Method (RFC 3261 20.16); the number is < 2**31 in
 * RFC 3261 8.1.1.5 for new requests but any 32-bit value is legal. */
int esip_cseq_parse(esip_str s, uint32_t *num, esip_str *method)
{
	const char *p = s.p, *end = str_end(s), *q;

	if (!p)
		return ESIP_EBAD_CSEQ;
	p = skip_lws(p, end);
	end = rtrim_lws(p, end);
	{
		uint64_t v;
		bool over;
		q = scan_uint(p, end, UINT32_MAX, &v, &over);
		if (q == p || q == end || !cc((unsigned char)*q, CC_LWS) || over)
			return ESIP_EBAD_CSEQ; /* RFC 4475 3.1.2.4: > 2**32-1 is bad */
		*num = (uint32_t)v;
	}
	p = skip_lws(q, end);
	q = scan_token(p, end);
	if (q == p || q != end)
		return ESIP_EBAD_CSEQ;
	*method = mkstr(p, q);
	return 0;
}
