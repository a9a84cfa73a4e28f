/*
 * md_int.h - what MD5, SHA-256 and SHA-512/256 share: the Merkle-Damgard
 * buffering of input into blocks and the final padding (RFC 1321 3.1-3.2,
 * FIPS 180-4 5.1): a 1 bit, zeros, and the message length in bits in the
 * block's last len_bytes bytes (little-endian for MD5, big-endian for SHA-2).
 */
#ifndef ESIP_MD_INT_H
#define ESIP_MD_INT_H

#include <stddef.h>
#include <stdint.h>

typedef void (*esip__md_block_fn)(void *h, const unsigned char *block);

/* Feeds n bytes: whole blocks go to fn, the rest waits in buf (bsize
 * bytes, holding *len % bsize bytes); *len counts every byte fed. */
void esip__md_update(void *h, esip__md_block_fn fn, unsigned char *buf, size_t bsize,
		     uint64_t *len, const void *data, size_t n);
/* Pads and runs the last block(s).  len_bytes is 8 or 16; big_endian
 * selects the byte order of the bit length. */
void esip__md_pad(void *h, esip__md_block_fn fn, unsigned char *buf, size_t bsize,
		  uint64_t len, size_t len_bytes, int big_endian);

#endif
