/* addr.c - transport kinds and socket addresses. */
#include <esip/net.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tp_names[] = {
	[ESIP_TP_NONE] = "?", [ESIP_TP_UDP] = "UDP", [ESIP_TP_TCP] = "TCP",
	[ESIP_TP_TLS] = "TLS", [ESIP_TP_SCTP] = "SCTP", [ESIP_TP_WS] = "WS",
	[ESIP_TP_WSS] = "WSS",
};

const char *esip_tp_name(esip_tp tp)
{
	return (unsigned)tp < sizeof tp_names / sizeof tp_names[0] ? tp_names[tp] : "?";
}

esip_tp esip_tp_from_name(esip_str name)
{
	size_t i;

	for (i = 1; i < sizeof tp_names / sizeof tp_names[0]; i++)
		if (esip_str_ieq_cstr(name, tp_names[i]))
			return (esip_tp)i;
	return ESIP_TP_NONE;
}

bool esip_tp_reliable(esip_tp tp)
{
	return tp == ESIP_TP_TCP || tp == ESIP_TP_TLS || tp == ESIP_TP_SCTP ||
	       tp == ESIP_TP_WS || tp == ESIP_TP_WSS;
}

uint16_t esip_tp_default_port(esip_tp tp)
{
	return tp == ESIP_TP_TLS || tp == ESIP_TP_WSS ? 5061 : 5060;
}

/* Dotted-quad IPv4 as inet_pton(AF_INET) takes it (four decimal parts of
 * 0-255, no leading zeros), without its copy and NUL: every received
 * request's Via host goes through here (18.2.1). */
static bool parse_ipv4(esip_str ip, uint32_t *be)
{
	uint32_t v = 0;
	unsigned part = 0, digits = 0, parts = 0;
	size_t i;

	for (i = 0; i <= ip.len; i++) {
		char c = i < ip.len ? ip.p[i] : '.';
		if (c >= '0' && c <= '9') {
			if (digits && part == 0)
				return false; /* leading zero */
			part = part * 10 + (unsigned)(c - '0');
			if (part > 255 || ++digits > 3)
				return false;
		} else if (c == '.' && digits) {
			v = (v << 8) | part;
			parts++;
			part = digits = 0;
		} else {
			return false;
		}
	}
	if (parts != 4)
		return false;
	*be = htonl(v);
	return true;
}

int esip_addr_from_ip(esip_addr *a, esip_str ip, uint16_t port)
{
	char tmp[INET6_ADDRSTRLEN];
	uint32_t v4;

	memset(a, 0, sizeof *a);
	if (!ip.p || !ip.len || ip.len >= sizeof tmp || memchr(ip.p, 0, ip.len))
		return ESIP_EINVAL;
	if (parse_ipv4(ip, &v4)) {
		a->u.in4.sin_family = AF_INET;
		a->u.in4.sin_addr.s_addr = v4;
		a->u.in4.sin_port = htons(port);
		a->len = sizeof a->u.in4;
		return 0;
	}
	if (!memchr(ip.p, ':', ip.len))
		return ESIP_EINVAL;
	memcpy(tmp, ip.p, ip.len);
	tmp[ip.len] = 0;
	if (inet_pton(AF_INET6, tmp, &a->u.in6.sin6_addr) == 1) {
		a->u.in6.sin6_family = AF_INET6;
		a->u.in6.sin6_port = htons(port);
		a->len = sizeof a->u.in6;
		return 0;
	}
	return ESIP_EINVAL;
}

int esip_addr_parse(esip_addr *a, const char *text)
{
	const char *colon, *ip = text, *ipend;
	unsigned long port = 0;

	if (!text)
		return ESIP_EINVAL;
	if (text[0] == '[') {
		ip = text + 1;
		ipend = strchr(ip, ']');
		if (!ipend)
			return ESIP_EINVAL;
		colon = ipend[1] == ':' ? ipend + 1 : NULL;
		if (!colon && ipend[1])
			return ESIP_EINVAL;
	} else {
		colon = strchr(text, ':');
		/* more than one ':' without brackets: a bare IPv6 address */
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;
		ipend = colon ? colon : text + strlen(text);
	}
	if (colon) {
		char *e;
		port = strtoul(colon + 1, &e, 10);
		if (!colon[1] || *e || port > 65535)
			return ESIP_EINVAL;
	}
	return esip_addr_from_ip(a, esip_str_make(ip, (size_t)(ipend - ip)), (uint16_t)port);
}

uint16_t esip_addr_port(const esip_addr *a)
{
	if (a->u.sa.sa_family == AF_INET)
		return ntohs(a->u.in4.sin_port);
	if (a->u.sa.sa_family == AF_INET6)
		return ntohs(a->u.in6.sin6_port);
	return 0;
}

void esip_addr_set_port(esip_addr *a, uint16_t port)
{
	if (a->u.sa.sa_family == AF_INET)
		a->u.in4.sin_port = htons(port);
	else if (a->u.sa.sa_family == AF_INET6)
		a->u.in6.sin6_port = htons(port);
}

int esip_addr_family(const esip_addr *a)
{
	return a->len ? a->u.sa.sa_family : 0;
}

bool esip_addr_eq_ip(const esip_addr *a, const esip_addr *b)
{
	if (!a->len || !b->len || a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in4.sin_addr.s_addr == b->u.in4.sin_addr.s_addr;
	return !memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16);
}

bool esip_addr_eq(const esip_addr *a, const esip_addr *b)
{
	return esip_addr_eq_ip(a, b) && esip_addr_port(a) == esip_addr_port(b);
}

/* "a.b.c.d" into out (at least 16 bytes); returns the length.  glibc's
 * inet_ntop formats IPv4 with sprintf, which costs more than a whole
 * response build on the hot path of every stamped Via. */
static int format_ipv4(uint32_t be, char *out)
{
	uint32_t v = ntohl(be);
	int n = 0, k;

	for (k = 3; k >= 0; k--) {
		unsigned b = (v >> (8 * k)) & 0xff;
		if (b >= 100)
			out[n++] = (char)('0' + b / 100);
		if (b >= 10)
			out[n++] = (char)('0' + b / 10 % 10);
		out[n++] = (char)('0' + b % 10);
		if (k)
			out[n++] = '.';
	}
	out[n] = 0;
	return n;
}

int esip_addr_ip_str(const esip_addr *a, char *out, size_t cap)
{
	char tmp[INET6_ADDRSTRLEN];
	size_t n;

	if (!a->len)
		return ESIP_EINVAL;
	if (a->u.sa.sa_family == AF_INET)
		n = (size_t)format_ipv4(a->u.in4.sin_addr.s_addr, tmp);
	else if (!inet_ntop(AF_INET6, &a->u.in6.sin6_addr, tmp, sizeof tmp))
		return ESIP_EINVAL;
	else
		n = strlen(tmp);
	if (n + 1 > cap)
		return ESIP_ENOSPC;
	memcpy(out, tmp, n + 1);
	return (int)n;
}

int esip_addr_str(const esip_addr *a, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	int n;

	if (esip_addr_ip_str(a, ip, sizeof ip) < 0)
		return ESIP_EINVAL;
	n = snprintf(out, cap, a->u.sa.sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
		     esip_addr_port(a));
	return n < 0 || (size_t)n >= cap ? ESIP_ENOSPC : n;
}
