/* SPDX-License-Identifier: ISC */
/*
 * addr_helpers.h -- parsing addresses the way the address tests need
 *
 * Shared by test_addr.c (the fixed cases) and test_addr_random.c (the
 * randomized and differential tests). Every input is parsed from a heap
 * copy of exactly its length, without a NUL, so that AddressSanitizer
 * catches a parser that reads past its (pointer, length).
 */
#ifndef ADDR_HELPERS_H
#define ADDR_HELPERS_H

#include <stddef.h>

#include "db.h"

/*
 * addr_parse() on an exact-size heap copy of s[0..len), no NUL after it.
 * @return what addr_parse() returned; *out is set only on RB_OK.
 */
int	 parse_exact(const char *s, size_t len, struct addr *out);

#endif /* ADDR_HELPERS_H */
