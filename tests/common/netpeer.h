/*
 * netpeer.h - plain loopback sockets for the suites that talk to esip over
 * real sockets (tests/transport, tests/stack): a peer socket bound to
 * ip:0, a bounded wait for readability, and whether ::1 can be bound
 * (IPv6 cases are skipped with a message when it cannot).
 */
#ifndef ESIP_NETPEER_H
#define ESIP_NETPEER_H

#include <check.h>
#include <esip/transport.h>

#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A plain socket of type ty (SOCK_DGRAM, SOCK_STREAM) bound to ip:0;
 * *bound (optional) receives its address. */
static inline int net_peer_sock(int ty, const char *ip, esip_addr *bound)
{
	esip_addr a;
	socklen_t al = sizeof a.u;
	int fd;

	ck_assert_int_eq(esip_addr_parse(&a, ip), 0);
	fd = socket(esip_addr_family(&a), ty | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, &a.u.sa, a.len), 0);
	if (bound) {
		ck_assert_int_eq(getsockname(fd, &bound->u.sa, &al), 0);
		bound->len = al;
	}
	return fd;
}

/* Waits at most ms until fd is readable. */
static inline bool net_readable(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, ms) == 1;
}

/* True when the IPv6 loopback can be bound here (else says why). */
static inline bool net_have_ipv6(void)
{
	struct sockaddr_in6 a;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0) {
		fprintf(stderr, "SKIP: no IPv6 socket here, IPv6 case skipped\n");
		return false;
	}
	memset(&a, 0, sizeof a);
	a.sin6_family = AF_INET6;
	a.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	if (!ok)
		fprintf(stderr, "SKIP: cannot bind ::1, IPv6 case skipped\n");
	return ok;
}

#endif
