/*
 * target.c - where a SIP URI says a request goes (RFC 3261 18, 19.1.1;
 * the non-SRV part of RFC 3263 4).  Pure: no socket, no lookup.
 */
#include <esip/net.h>

#include <string.h>

/* RFC 3261 25.1 hostname characters (the URI parser has checked the URI
 * host; maddr is only a parameter value there, so it is checked here). */
static bool hostname_ok(esip_str h)
{
	size_t i;

	if (!h.len || h.len > 255)
		return false;
	for (i = 0; i < h.len; i++) {
		char ch = h.p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
			return false;
	}
	return true;
}

int esip_target_from_uri(const esip_uri *u, esip_tp default_tp, esip_target *out)
{
	esip_str tpv, maddr, host;
	bool bracket = false;

	if (!out)
		return ESIP_EINVAL;
	memset(out, 0, sizeof *out);
	if (!u)
		return ESIP_EINVAL;
	/* sips: needs TLS hop by hop (RFC 3261 26.2.2), which esip lacks */
	if (u->scheme_id == ESIP_SCHEME_SIPS)
		return ESIP_ENOTSUP;
	if (u->scheme_id != ESIP_SCHEME_SIP)
		return ESIP_EINVAL;

	/* transport: RFC 3263 4.1 -- the transport parameter when present */
	if (esip_uri_param(u, "transport", &tpv)) {
		if (!tpv.p || !tpv.len)
			return ESIP_EINVAL;
		out->tp = esip_tp_from_name(tpv);
		out->tp_explicit = true;
		if (out->tp != ESIP_TP_UDP && out->tp != ESIP_TP_TCP)
			return ESIP_ENOTSUP; /* tls, sctp, ws, wss, or unknown */
	} else {
		/* RFC 3263 4.1 would ask NAPTR/SRV for a name without port; no
		 * SRV here: the configured default (UDP if none) */
		out->tp = default_tp == ESIP_TP_NONE ? ESIP_TP_UDP : default_tp;
		if (out->tp != ESIP_TP_UDP && out->tp != ESIP_TP_TCP)
			return ESIP_ENOTSUP;
	}

	/* host: RFC 3261 19.1.1 -- maddr overrides the host part */
	host = u->host;
	if (esip_uri_param(u, "maddr", &maddr)) {
		if (!maddr.p || !maddr.len)
			return ESIP_EINVAL;
		if (maddr.len >= 2 && maddr.p[0] == '[' && maddr.p[maddr.len - 1] == ']') {
			maddr = esip_str_sub(maddr, 1, maddr.len - 2);
			bracket = true;
		}
		host = maddr;
	}
	if (!host.p || !host.len || host.len >= sizeof out->host)
		return ESIP_EINVAL;

	/* port: RFC 3263 4.2 -- the URI's, else the transport's default */
	out->port_explicit = u->port != 0;
	out->port = u->port ? u->port : esip_tp_default_port(out->tp);

	if (esip_addr_from_ip(&out->addr, host, out->port) == 0) {
		/* [..] only around IPv6 (RFC 5118); a bare IPv6 maddr is accepted */
		if (bracket && esip_addr_family(&out->addr) != AF_INET6)
			return ESIP_EINVAL;
		out->numeric = true;
	} else if (bracket || !hostname_ok(host)) {
		memset(&out->addr, 0, sizeof out->addr);
		return ESIP_EINVAL;
	}
	memcpy(out->host, host.p, host.len);
	out->host[host.len] = 0;
	return 0;
}
