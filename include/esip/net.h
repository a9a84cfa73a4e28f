/*
 * esip/net.h - network addressing without sockets: transport kinds,
 * socket addresses, where a message came from and where one goes, the
 * RFC 3261 18.2 / RFC 3581 response routing rules, the server transport's
 * Via stamp, and target selection from a URI (RFC 3261 18, 19.1; RFC 3263
 * without SRV).
 *
 * Everything here is pure: no socket, no clock, no thread.  The sans-I/O
 * layers (the transaction layer, the UA core) and the simnet test network
 * link only this library (libesip_net), not the socket transports
 * (esip/transport.h), so the sans-I/O boundary shows in the build.
 */
#ifndef ESIP_NET_H
#define ESIP_NET_H

#include <esip/core.h>
#include <esip/parser.h>

#include <netinet/in.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Transport kinds                                                      */
/* ------------------------------------------------------------------ */

typedef enum esip_tp {
	ESIP_TP_NONE = 0,
	ESIP_TP_UDP,
	ESIP_TP_TCP,
	ESIP_TP_TLS,  /* recognised; not supported yet (ESIP_ENOTSUP) */
	ESIP_TP_SCTP, /* recognised; not supported */
	ESIP_TP_WS,   /* recognised (RFC 7118); not supported */
	ESIP_TP_WSS
} esip_tp;

/* "UDP", "TCP", ...; "?" for NONE/unknown. */
const char *esip_tp_name(esip_tp tp);
/* Case-insensitive; ESIP_TP_NONE if unknown. */
esip_tp esip_tp_from_name(esip_str name);
/* TCP, TLS, SCTP, WS, WSS: no retransmission timers (RFC 3261 17.1.1.2). */
bool esip_tp_reliable(esip_tp tp);
/* 5060, or 5061 for TLS/WSS (RFC 3261 19.1.2). */
uint16_t esip_tp_default_port(esip_tp tp);

/* ------------------------------------------------------------------ */
/* Socket addresses                                                     */
/* ------------------------------------------------------------------ */

typedef struct esip_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} u;
	socklen_t len; /* 0 = unset */
} esip_addr;

/* Numeric IPv4 or IPv6 (no brackets, no NUL needed) plus a port.
 * Returns 0 or ESIP_EINVAL (not a numeric address). */
int esip_addr_from_ip(esip_addr *a, esip_str ip, uint16_t port);
/* "1.2.3.4", "1.2.3.4:5060", "::1", "[::1]:5060" (port 0 if absent). */
int esip_addr_parse(esip_addr *a, const char *text);
uint16_t esip_addr_port(const esip_addr *a);
void esip_addr_set_port(esip_addr *a, uint16_t port);
int esip_addr_family(const esip_addr *a); /* AF_INET, AF_INET6 or 0 */
/* Same family, address and port. */
bool esip_addr_eq(const esip_addr *a, const esip_addr *b);
/* Same address, any port. */
bool esip_addr_eq_ip(const esip_addr *a, const esip_addr *b);
/* "192.0.2.1" / "2001:db8::1" (no brackets, no port); NUL-terminated.
 * Returns the length or ESIP_ENOSPC. */
int esip_addr_ip_str(const esip_addr *a, char *out, size_t cap);
/* "192.0.2.1:5060" / "[2001:db8::1]:5060". */
int esip_addr_str(const esip_addr *a, char *out, size_t cap);
#define ESIP_ADDR_STRLEN 56 /* enough for any esip_addr_str() */

/* ------------------------------------------------------------------ */
/* Where a message came from, where one goes                            */
/* ------------------------------------------------------------------ */

/* Filled by the transport for every received message. */
typedef struct esip_rx_info {
	esip_tp tp;       /* transport it arrived on */
	esip_addr peer;   /* packet source address and port */
	esip_addr local;  /* the listening address it arrived on */
	uint32_t conn;    /* connection id for TCP (0 for UDP) */
	uint32_t listener;/* id of the listening socket (responses leave from it) */
} esip_rx_info;

/* Where to send a message. */
typedef struct esip_dest {
	esip_tp tp;
	esip_addr addr;   /* destination address and port */
	uint32_t conn;    /* reliable: send on this connection if still open
			   * (0 = find or open one to addr) */
	uint32_t listener;/* unreliable: send from this socket (0 = any) */
} esip_dest;

/*
 * Where the responses to req go (RFC 3261 18.2.2 with RFC 3581 4):
 *  - reliable transports: the connection the request came on (rx->conn);
 *    if it has closed, the received address with the sent-by port;
 *  - a maddr parameter: that address (numeric only here) and the sent-by
 *    port or the default;
 *  - unreliable: the source address (the received address of 18.2.1) and
 *    the source port when the request asked for it with rport (RFC 3581),
 *    else the sent-by port or the default; sent from the socket the
 *    request arrived on.
 * Pure: no socket, no clock.  Returns 0 or ESIP_EINVAL (no usable Via).
 */
int esip_response_dest(const esip_msg *req, const esip_rx_info *rx, esip_dest *out);

/*
 * The parameters the server transport adds to the top Via of a received
 * request (RFC 3261 18.2.1, RFC 3581 4): received= when the sent-by host is
 * a name or differs from the source address, or whenever rport is present;
 * rport=<source port> when the request carried a bare rport.  Responses
 * copy the top Via with these added (esip_response_spec).
 */
typedef struct esip_via_stamp {
	bool add_received;
	bool add_rport;
	uint16_t rport;
	char received[46]; /* NUL-terminated numeric address */
} esip_via_stamp;

void esip_via_stamp_compute(const esip_msg *req, const esip_rx_info *rx, esip_via_stamp *st);

/* ------------------------------------------------------------------ */
/* Target selection                                                     */
/* ------------------------------------------------------------------ */

/* Where a URI says a request goes, before any lookup. */
typedef struct esip_target {
	esip_tp tp;          /* from ;transport= or the default */
	uint16_t port;       /* from the URI or the transport's default */
	bool tp_explicit;    /* ;transport= was present */
	bool port_explicit;  /* the URI had a port (RFC 3263 4.2: no SRV) */
	bool numeric;        /* host is an IP literal: addr is set */
	esip_addr addr;      /* numeric host + port */
	char host[256];      /* the host (maddr if present), NUL-terminated,
			      * IPv6 without brackets */
} esip_target;

/*
 * RFC 3261 18 / 19.1 and the non-SRV part of RFC 3263 4 for a sip: URI:
 *  - transport: the ;transport= parameter (udp, tcp; case-insensitive),
 *    else default_tp (NONE = UDP).  RFC 3263 4.1 would look up NAPTR/SRV
 *    for a name without port or transport; esip does no SRV yet and uses
 *    default_tp instead;
 *  - host: the maddr parameter when present (RFC 3261 19.1.1: it
 *    overrides the host), else the URI host;
 *  - port: the URI port, else the transport's default (5060; RFC 3263 4.2);
 *  - a numeric host (IPv4, [IPv6]) gives out->addr directly; a name is
 *    left in out->host for esip_transport_resolve().
 * Returns 0 or:
 *   ESIP_ENOTSUP  sips: (needs TLS, not implemented), or ;transport= tls,
 *                 sctp, ws, wss or an unknown token (esip implements UDP and
 *                 TCP only); default_tp not UDP or TCP;
 *   ESIP_EINVAL   not a sip: URI, no host, a malformed maddr.
 */
int esip_target_from_uri(const esip_uri *u, esip_tp default_tp, esip_target *out);


#ifdef __cplusplus
}
#endif
#endif /* ESIP_NET_H */
