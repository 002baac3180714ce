/* SPDX-License-Identifier: ISC */
/*
 * addr_helpers.c -- parsing addresses the way the address tests need
 *
 * parse_exact() hands addr_parse() a heap buffer of exactly the input's
 * length and nothing after it: a parser that reads one byte too far, or
 * looks for a NUL, trips AddressSanitizer in the build-asan tests instead
 * of reading whatever happens to follow in a string literal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"

#include "addr_helpers.h"

int
parse_exact(const char *s, size_t len, struct addr *out)
{
	char	*copy;
	int	 rc;

	copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	memcpy(copy, s, len);
	rc = addr_parse(copy, len, out);
	free(copy);
	return rc;
}
