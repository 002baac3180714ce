/* SPDX-License-Identifier: ISC */
/*
 * prng.h -- a seeded generator for the randomized tests (splitmix64)
 *
 * Tests draw from a fixed seed so that every run, with gcc or clang,
 * sees the same inputs. Each test file including this has its own state.
 */
#ifndef RB_PRNG_H
#define RB_PRNG_H

#include <stdint.h>

static uint64_t	rng_state;

static inline void
rng_seed(uint64_t seed)
{
	rng_state = seed;
}

static inline uint64_t
rng(void)
{
	uint64_t	z;

	z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* @return a number in 0..n-1 (n > 0). */
static inline unsigned int
rnd(unsigned int n)
{
	return (unsigned int)(rng() % n);
}

#endif /* RB_PRNG_H */
