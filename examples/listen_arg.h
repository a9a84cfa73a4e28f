/*
 * listen_arg.h - the "-l udp:ADDR" / "-l tcp:ADDR" argument of the
 * example programs (esip-responder, esip-ua).
 */
#ifndef ESIP_EXAMPLES_LISTEN_ARG_H
#define ESIP_EXAMPLES_LISTEN_ARG_H

#include <esip/stack.h>

#include <string.h>

/* "udp:IP:PORT" or "tcp:[IPv6]:PORT" into l (l->addr points into arg):
 * 0, or -1 when arg is not one (the port is required). */
static inline int listen_arg_parse(const char *arg, esip_listen *l)
{
	esip_addr a;
	const char *colon;

	if (!strncmp(arg, "udp:", 4))
		l->tp = ESIP_TP_UDP;
	else if (!strncmp(arg, "tcp:", 4))
		l->tp = ESIP_TP_TCP;
	else
		return -1;
	l->addr = arg + 4;
	colon = strrchr(l->addr, ':');
	if (!colon || (strchr(l->addr, ']') && colon < strchr(l->addr, ']')))
		return -1;
	return esip_addr_parse(&a, l->addr) == 0 ? 0 : -1;
}

#endif
