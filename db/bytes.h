/* SPDX-License-Identifier: ISC */
/*
 * bytes.h -- big-endian fields for the store's keys and values (db/ only)
 *
 * Keys are big-endian so that LMDB's byte order is time and serial
 * order; values are, so that a store reads the same on any machine.
 */
#ifndef RB_BYTES_H
#define RB_BYTES_H

#include <stdint.h>

static inline void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
be64(uint8_t *p, int64_t sv)
{
	uint64_t v = (uint64_t)sv;

	be32(p, (uint32_t)(v >> 32));
	be32(p + 4, (uint32_t)v);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline int64_t
rd64(const uint8_t *p)
{
	return (int64_t)((uint64_t)rd32(p) << 32 | rd32(p + 4));
}

#endif /* RB_BYTES_H */
