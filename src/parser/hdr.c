/* hdr.c - header and method identities from headers.def / ESIP_METHODS. */
#include <esip/parser.h>

#include <string.h>

#include "hname.h"

static const char *const hdr_names[ESIP_HDR__COUNT] = {
	[ESIP_HDR_OTHER] = NULL,
#define ESIP_HDR(id, name, compact, flags) [ESIP_HDR_##id] = name,
#include <esip/headers.def>
#undef ESIP_HDR
};

static const char hdr_compact[ESIP_HDR__COUNT] = {
#define ESIP_HDR(id, name, compact, flags) [ESIP_HDR_##id] = compact,
#include <esip/headers.def>
#undef ESIP_HDR
};

static const uint8_t hdr_flags[ESIP_HDR__COUNT] = {
#define ESIP_HDR(id, name, compact, flags) [ESIP_HDR_##id] = (flags),
#include <esip/headers.def>
#undef ESIP_HDR
};

esip_hdr_id esip__hname_lookup_short(const char *p, size_t n)
{
	char b[ESIP__HNAME_MAXLEN + 8] = {0};

	memcpy(b, p, n);
	return esip__hname_lookup8(b, n);
}

esip_hdr_id esip_hdr_lookup(esip_str name)
{
	if (!name.p || !name.len)
		return ESIP_HDR_OTHER;
	return esip__hname_lookup(name.p, name.len, name.len);
}

const char *esip_hdr_name(esip_hdr_id id)
{
	return (unsigned)id < ESIP_HDR__COUNT ? hdr_names[id] : NULL;
}

char esip_hdr_compact(esip_hdr_id id)
{
	return (unsigned)id < ESIP_HDR__COUNT ? hdr_compact[id] : 0;
}

unsigned esip_hdr_flags(esip_hdr_id id)
{
	return (unsigned)id < ESIP_HDR__COUNT ? hdr_flags[id] : 0;
}

static const char *const method_names[ESIP_METHOD__COUNT] = {
	[ESIP_METHOD_OTHER] = NULL,
#define ESIP_METHOD_NAME_(m) [ESIP_METHOD_##m] = #m,
	ESIP_METHODS(ESIP_METHOD_NAME_)
#undef ESIP_METHOD_NAME_
};

const char *esip_method_name(esip_method m)
{
	return (unsigned)m < ESIP_METHOD__COUNT ? method_names[m] : NULL;
}

/* RFC 3261 7.1: the method is case-sensitive. */
esip_method esip_method_lookup(esip_str name)
{
#define M_(lit, id)                                                      \
	if (name.len == sizeof(lit) - 1 && !memcmp(name.p, lit, name.len)) \
		return ESIP_METHOD_##id;
	if (!name.p)
		return ESIP_METHOD_OTHER;
	switch (name.len) {
	case 3:
		M_("ACK", ACK) M_("BYE", BYE)
		break;
	case 4:
		M_("INFO", INFO)
		break;
	case 5:
		M_("PRACK", PRACK) M_("REFER", REFER)
		break;
	case 6:
		M_("INVITE", INVITE) M_("CANCEL", CANCEL) M_("NOTIFY", NOTIFY)
		M_("UPDATE", UPDATE)
		break;
	case 7:
		M_("OPTIONS", OPTIONS) M_("PUBLISH", PUBLISH) M_("MESSAGE", MESSAGE)
		break;
	case 8:
		M_("REGISTER", REGISTER)
		break;
	case 9:
		M_("SUBSCRIBE", SUBSCRIBE)
		break;
	}
	return ESIP_METHOD_OTHER;
#undef M_
}
