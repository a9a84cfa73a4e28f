/*
 * route.c - where responses go and what the server transport stamps into
 * the top Via of a received request (RFC 3261 18.2.1, 18.2.2; RFC 3581).
 * Pure functions: the transaction layer and simnet use them too.
 */
#include <esip/net.h>

#include <string.h>

int esip_response_dest(const esip_msg *req, const esip_rx_info *rx, esip_dest *out)
{
	const esip_via *v = &req->via;
	esip_tp tp;
	uint16_t port;

	memset(out, 0, sizeof *out);
	if (!req->via_count || !v->transport.p)
		return ESIP_EINVAL;
	tp = esip_tp_from_name(v->transport);
	if (tp == ESIP_TP_NONE)
		tp = rx->tp;
	out->tp = rx->tp; /* the response leaves on the transport it came on */
	port = v->port ? v->port : esip_tp_default_port(tp);

	if (esip_tp_reliable(rx->tp)) {
		/* 18.2.2: the existing connection; failing that, the received
		 * address (the packet source) with the sent-by port */
		out->conn = rx->conn;
		out->addr = rx->peer;
		esip_addr_set_port(&out->addr, port);
		return 0;
	}
	out->listener = rx->listener;
	/* 18.2.2: maddr, with the sent-by port (numeric addresses only; a
	 * name would need resolving and multicast UAs are out of scope) */
	if (v->maddr.p && esip_addr_from_ip(&out->addr, v->maddr, port) == 0)
		return 0;
	/* 18.2.1 makes "received" the packet source; RFC 3581 4: with rport,
	 * the source port too */
	out->addr = rx->peer;
	if (!v->rport.p)
		esip_addr_set_port(&out->addr, port);
	return 0;
}

void esip_via_stamp_compute(const esip_msg *req, const esip_rx_info *rx, esip_via_stamp *st)
{
	const esip_via *v = &req->via;
	esip_addr sent_by;
	bool same_ip;

	memset(st, 0, sizeof *st);
	if (!req->via_count || !v->host.p || !rx->peer.len)
		return;
	/* 18.2.1: a domain name, or an IP other than the source: received= */
	same_ip = esip_addr_from_ip(&sent_by, v->host, 0) == 0 &&
		  esip_addr_eq_ip(&sent_by, &rx->peer);
	/* RFC 3581 4: with rport, received= even when it is the same */
	st->add_received = !same_ip || v->rport.p != NULL;
	if (st->add_received &&
	    esip_addr_ip_str(&rx->peer, st->received, sizeof st->received) < 0)
		st->add_received = false;
	/* RFC 3581 4: a bare rport gets the source port */
	if (v->rport.p && v->rport.len == 0) {
		st->add_rport = true;
		st->rport = esip_addr_port(&rx->peer);
	}
}
