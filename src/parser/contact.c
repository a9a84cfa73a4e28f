/*
 * contact.c - address lists: Contact (RFC 3261 20.10) with its expires
 * and q parameters, and the name-addr lists Route, Record-Route (20.30,
 * 20.34), Path (RFC 3327) and Service-Route (RFC 3608).
 *
 *   Contact        = ( STAR / ( contact-param *( COMMA contact-param ) ) )
 *   contact-param  = ( name-addr / addr-spec ) *( SEMI contact-params )
 *   contact-params = c-p-q / c-p-expires / contact-extension
 *   route-param    = name-addr *( SEMI rr-param )
 */
#include "parse_int.h"
#include "scan.h"

int esip_contact_next(esip_list_iter *it, esip_contact *c)
{
	esip_param_iter pi;
	esip_str v, n, val;
	int rc;

	memset(c, 0, sizeof *c);
	if (esip_list_next(it, &v) != 1)
		return 0;
	if (v.len == 1 && v.p[0] == '*') {
		c->star = true; /* REGISTER removing all bindings (10.2.2) */
		return 1;
	}
	if (esip_nameaddr_parse(v, &c->na))
		return ESIP_EBAD_NAMEADDR;
	esip_param_iter_init(&pi, c->na.params);
	while ((rc = esip_param_next(&pi, &n, &val)) == 1) {
		esip_str *slot = STR_IEQ(n, "expires") ? &c->expires
				 : STR_IEQ(n, "q")     ? &c->q
						       : NULL;
		if (!slot)
			continue;
		if (slot->p)
			return ESIP_EBAD_NAMEADDR; /* two values: which binding? */
		/* a bare ";expires" is a malformed value, not a malformed
		 * Contact: 10.2.1.1 lets a registrar treat it as 3600 */
		*slot = val.p ? val : mkstr(n.p + n.len, n.p + n.len);
	}
	return rc ? ESIP_EBAD_NAMEADDR : 1;
}

int esip_contact_expires(const esip_contact *c, uint32_t *secs)
{
	if (!c->expires.p)
		return ESIP_ENOTFOUND;
	/* RFC 3261 10.2.1.1: values larger than 2**32-1 MAY be treated as
	 * 2**32-1 (RFC 4475 3.1.2.4 scalar02) */
	return esip__delta_seconds(c->expires, true, secs);
}

int esip_contact_q(const esip_contact *c, unsigned *q1000)
{
	if (!c->q.p)
		return ESIP_ENOTFOUND;
	return esip__qvalue(c->q, q1000);
}

/* Route, Record-Route, Path and Service-Route values are name-addr only:
 * without the <> a ";lr" would be a header parameter, not the URI's. */
int esip_nameaddr_next(esip_list_iter *it, esip_nameaddr *na)
{
	esip_str v;

	memset(na, 0, sizeof *na);
	if (esip_list_next(it, &v) != 1)
		return 0;
	if (esip_nameaddr_parse(v, na) || !na->angle)
		return ESIP_EBAD_NAMEADDR;
	return 1;
}
