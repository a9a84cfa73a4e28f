/*
 * registrar.c - a registrar for tests and simple servers (RFC 3261 10.3):
 * bindings of addresses-of-record to Contact URIs with their expiry, in a
 * bounded table (registrar_max_bindings).  No authentication and no
 * forwarding: REGISTER is answered, lookups are esip_ua_registrar_lookup.
 *
 *   step 5: the address-of-record is the To URI;
 *   step 6: "Contact: *" only alone and with Expires: 0 (validation has
 *           answered 400 otherwise), removing every binding of the AOR;
 *   step 7: each Contact's expiry: its expires parameter, else the
 *           Expires header, else 3600; 0 removes it; below min_expires
 *           423 with Min-Expires; above a day, a day;
 *   step 8: 200 with every current binding and its remaining expiry.
 */
#include "dialog_int.h"

#include <stdio.h>
#include <string.h>

#define REGISTRAR_DEFAULT 3600
#define REGISTRAR_MAX_EXPIRES 86400
#define REGISTRAR_MIN_DEFAULT 60

typedef struct binding {
	bool used;
	uint64_t expires_at;      /* ms */
	char aor[256];            /* the To URI as sent */
	char contact[256];        /* the Contact URI */
} binding;

struct esip_registrar {
	esip_ua *ua;
	uint32_t n;
	binding b[];
};

int esip__registrar_new(esip_ua *ua, uint32_t max_bindings, esip_registrar **out)
{
	esip_registrar *r;

	if (max_bindings > 100000)
		return ESIP_EINVAL;
	r = esip_calloc(ua->alloc, 1, sizeof *r + max_bindings * sizeof(binding));
	if (!r)
		return ESIP_ENOMEM;
	r->ua = ua;
	r->n = max_bindings;
	*out = r;
	return 0;
}

void esip__registrar_free(esip_registrar *r)
{
	if (r)
		esip_free(r->ua->alloc, r);
}

/* Two AORs or contacts are the same binding when their URIs are equal
 * (10.3 step 7 compares Contact URIs by 19.1.4). */
static bool same_uri(const char *a, esip_str b)
{
	esip_uri ua, ub;

	if (esip_uri_parse(esip_str_cstr(a), &ua) < 0 || esip_uri_parse(b, &ub) < 0)
		return esip_str_eq_cstr(b, a);
	return esip_uri_eq(&ua, &ub);
}

static void expire(esip_registrar *r, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < r->n; i++)
		if (r->b[i].used && r->b[i].expires_at <= now)
			r->b[i].used = false;
}

static binding *find(esip_registrar *r, esip_str aor, esip_str contact)
{
	uint32_t i;

	for (i = 0; i < r->n; i++)
		if (r->b[i].used && same_uri(r->b[i].aor, aor) && same_uri(r->b[i].contact, contact))
			return &r->b[i];
	return NULL;
}

static void answer(esip_ua *ua, esip_txn *txn, unsigned status, const esip_hdr_kv *h, size_t n,
		   uint64_t now)
{
	esip_response_spec spec;
	esip_hdr_kv extra[ESIP_MAX_UNSUPPORTED + 4];
	size_t k = esip__ua_common_headers(ua, true, extra, 1), i;

	for (i = 0; i < n && k < sizeof extra / sizeof extra[0]; i++)
		extra[k++] = h[i];
	memset(&spec, 0, sizeof spec);
	spec.status = (uint16_t)status;
	spec.extra = extra;
	spec.n_extra = k;
	esip_txn_respond(txn, &spec, now);
}

void esip__registrar_request(esip_ua *ua, esip_txn *txn, const esip_msg *m, uint64_t now)
{
	esip_registrar *r = ua->registrar;
	esip_list_iter it;
	esip_contact ct;
	uint32_t dflt = REGISTRAR_DEFAULT, secs, min;
	esip_str aor = m->to.uri;
	char list[16][320];
	esip_hdr_kv h[16];
	size_t n = 0, i;
	int rc;

	if (!r) {
		answer(ua, txn, 405, NULL, 0, now);
		return;
	}
	min = ua->cfg.registrar_min_expires ? ua->cfg.registrar_min_expires : REGISTRAR_MIN_DEFAULT;
	expire(r, now);
	if (aor.len >= sizeof r->b[0].aor) {
		answer(ua, txn, 400, NULL, 0, now);
		return;
	}
	if (esip_msg_expires(m, &secs) == 0)
		dflt = secs;
	/* step 7, first pass: every Contact well-formed, none too brief */
	esip_list_iter_init(&it, m, ESIP_HDR_CONTACT);
	while ((rc = esip_contact_next(&it, &ct)) == 1) {
		if (ct.star) {
			/* step 6: validation made sure it is alone with Expires: 0 */
			uint32_t k;
			for (k = 0; k < r->n; k++)
				if (r->b[k].used && same_uri(r->b[k].aor, aor))
					r->b[k].used = false;
			break;
		}
		if (esip_contact_expires(&ct, &secs) < 0)
			secs = dflt;
		if (secs && secs < min) {
			char mn[16];
			snprintf(mn, sizeof mn, "%u", min);
			h[0].name = "Min-Expires";
			h[0].value = esip_str_cstr(mn);
			answer(ua, txn, 423, h, 1, now);
			return;
		}
		if (ct.na.uri.len >= sizeof r->b[0].contact) {
			answer(ua, txn, 400, NULL, 0, now);
			return;
		}
	}
	if (rc < 0) {
		answer(ua, txn, 400, NULL, 0, now);
		return;
	}
	/* second pass: bind, refresh or remove */
	esip_list_iter_init(&it, m, ESIP_HDR_CONTACT);
	while (esip_contact_next(&it, &ct) == 1 && !ct.star) {
		binding *b = find(r, aor, ct.na.uri);
		if (esip_contact_expires(&ct, &secs) < 0)
			secs = dflt;
		if (secs > REGISTRAR_MAX_EXPIRES)
			secs = REGISTRAR_MAX_EXPIRES;
		if (!secs) {
			if (b)
				b->used = false;
			continue;
		}
		if (!b) {
			uint32_t k;
			for (k = 0; k < r->n && r->b[k].used; k++)
				;
			if (k == r->n) {
				/* the table is full: try later (21.5.4) */
				h[0].name = "Retry-After";
				h[0].value = ESIP_STR("60");
				answer(ua, txn, 503, h, 1, now);
				return;
			}
			b = &r->b[k];
			b->used = true;
			snprintf(b->aor, sizeof b->aor, "%.*s", ESIP_STR_FMT(aor));
			snprintf(b->contact, sizeof b->contact, "%.*s", ESIP_STR_FMT(ct.na.uri));
		}
		b->expires_at = now + (uint64_t)secs * 1000u;
	}
	/* step 8: the current bindings */
	for (i = 0; i < r->n && n < 16; i++) {
		binding *b = &r->b[i];
		if (!b->used || !same_uri(b->aor, aor))
			continue;
		snprintf(list[n], sizeof list[n], "<%s>;expires=%u", b->contact,
			 (unsigned)((b->expires_at - now + 999) / 1000));
		h[n].name = "Contact";
		h[n].value = esip_str_cstr(list[n]);
		n++;
	}
	answer(ua, txn, 200, h, n, now);
}

long esip_ua_registrar_lookup(esip_ua *ua, const char *aor, uint64_t now, char out[][256],
			      size_t cap)
{
	esip_registrar *r;
	uint32_t i;
	size_t n = 0;

	if (!ua || !aor || !(r = ua->registrar))
		return ESIP_EINVAL;
	expire(r, now);
	for (i = 0; i < r->n; i++)
		if (r->b[i].used && same_uri(r->b[i].aor, esip_str_cstr(aor))) {
			if (n < cap)
				snprintf(out[n], 256, "%s", r->b[i].contact);
			n++;
		}
	return n ? (long)n : ESIP_ENOTFOUND;
}
