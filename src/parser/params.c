/*
 * params.c - header parameter lists (RFC 3261 25.1):
 *
 *   *( SEMI generic-param ),  generic-param = token [ EQUAL gen-value ]
 *   gen-value = token / host / quoted-string
 *
 * SEMI and EQUAL allow LWS on both sides (RFC 3261 7.3.1, 25.1).  An empty
 * parameter (";;", a trailing ";") is malformed (RFC 4475 3.1.2.1).
 */
#include <esip/parser.h>

#include "parse_int.h"
#include "scan.h"

void esip_param_iter_init(esip_param_iter *it, esip_str params)
{
	it->rest = params;
}

int esip_param_next(esip_param_iter *it, esip_str *name, esip_str *value)
{
	const char *p = it->rest.p, *end = str_end(it->rest), *q;

	if (!p)
		return 0;
	p = skip_lws(p, end);
	if (p == end) {
		it->rest.len = 0;
		return 0;
	}
	q = scan_token(p, end);
	if (q == p)
		return ESIP_EBAD_VALUE; /* empty name: ";;" or junk */
	*name = mkstr(p, q);
	*value = ESIP_STR_NULL;
	p = skip_lws(q, end);
	if (p < end && *p == '=') {
		p = skip_lws(p + 1, end);
		if (p < end && *p == '"') {
			q = scan_quoted(p, end);
			if (!q)
				return ESIP_EBAD_VALUE;
		} else {
			/* token / host (IPv6 received=, RFC 5118 4.5) */
			q = scan_class(p, end, CC_GENVAL);
			if (q == p)
				return ESIP_EBAD_VALUE; /* "name=" needs a value */
		}
		*value = mkstr(p, q);
		p = skip_lws(q, end);
	}
	if (p < end) {
		if (*p != ';')
			return ESIP_EBAD_VALUE;
		p++;
		if (skip_lws(p, end) == end)
			return ESIP_EBAD_VALUE; /* trailing ';' */
	}
	it->rest = mkstr(p, end);
	return 1;
}

bool esip_param_find(esip_str params, const char *name, esip_str *value)
{
	esip_param_iter it;
	esip_str n, v;
	size_t len = strlen(name);

	esip_param_iter_init(&it, params);
	while (esip_param_next(&it, &n, &v) == 1) {
		if (n.len == len && ci_eq(n.p, name, len)) {
			if (value)
				*value = v;
			return true;
		}
	}
	return false;
}

int esip__params_check(esip_str params)
{
	esip_param_iter it;
	esip_str n, v;
	int rc;

	esip_param_iter_init(&it, params);
	while ((rc = esip_param_next(&it, &n, &v)) == 1)
		;
	return rc;
}

int esip__params_after(const char *p, const char *end, esip_str *params)
{
	*params = ESIP_STR_NULL;
	p = skip_lws(p, end);
	if (p == end)
		return 0;
	if (*p != ';' || skip_lws(p + 1, end) == end)
		return ESIP_EBAD_VALUE; /* junk, or an empty trailing ";" */
	*params = mkstr(p + 1, end);
	return esip__params_check(*params);
}

int esip__item_params(esip_str s, const char *(*scan)(const char *, const char *),
		      esip_str *item, esip_str *params)
{
	const char *p, *end, *q;

	if (!value_bounds(s, &p, &end))
		return ESIP_EBAD_VALUE;
	q = scan(p, end);
	if (q == p)
		return ESIP_EBAD_VALUE;
	*item = mkstr(p, q);
	return esip__params_after(q, end, params);
}
