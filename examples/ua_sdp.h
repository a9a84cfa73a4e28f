/*
 * ua_sdp.h - the SDP esip-ua puts in its INVITEs and 200s (ua_sdp.c):
 * a generated offer (RFC 3264 5: one audio stream, PCMU and PCMA plus
 * telephone-event), a generated answer to a peer's offer (RFC 3264 6),
 * or the contents of an --sdp file.  esip-ua sends no media: the port
 * named is a bound UDP socket that nobody reads.
 */
#ifndef ESIP_UA_SDP_H
#define ESIP_UA_SDP_H

#include <stddef.h>
#include <stdint.h>

/* Where our (silent) media is: ip is numeric, IPv4 or IPv6. */
typedef struct ua_media {
	char ip[64];
	uint16_t port;
	uint64_t session_id; /* o= line */
} ua_media;

/* The offer (RFC 3264 5) into out; its length, or -1 if cap is too small. */
long ua_sdp_offer(const ua_media *m, char *out, size_t cap);
/*
 * The answer to offer (RFC 3264 6): one m= line per offered one, in
 * order; the first audio stream accepted with the first of PCMU, PCMA
 * offered (else the first format) plus telephone-event if offered, and
 * the offer's direction mirrored (sendonly <-> recvonly); every other
 * stream refused with port 0.  Its length, or -1 (cap too small).
 */
long ua_sdp_answer(const ua_media *m, const char *offer, char *out, size_t cap);
/* Reads an SDP file with its line ends made CRLF (RFC 4566 5), at most
 * 64 KiB.  *out is malloc'd.  0, or -1 with errno (EFBIG: too large). */
int ua_sdp_load(const char *path, char **out, size_t *len);

#endif
