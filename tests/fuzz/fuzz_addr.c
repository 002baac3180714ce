/* SPDX-License-Identifier: ISC */
/*
 * fuzz_addr.c -- fuzz the address and prefix parsers of db/addr.c
 *
 * The input goes to addr_parse() as is, so that a read past (data, size)
 * shows up under AddressSanitizer. Whatever parses must print and parse
 * back to the same key; the same holds for addr_parse_prefix() on a
 * NUL-terminated copy. A broken round trip calls abort(), which libFuzzer
 * and replay.c both report as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_addr(const uint8_t *data, size_t size)
{
	struct addr	 a, b;
	char		 buf[ADDR_STRLEN], again[ADDR_STRLEN];

	if (addr_parse((const char *)data, size, &a) != RB_OK)
		return;
	addr_format(&a, buf);
	if (strlen(buf) >= ADDR_STRLEN)
		abort();
	if (addr_parse_str(buf, &b) != RB_OK)
		abort();
	if (memcmp(a.a, b.a, sizeof(a.a)) != 0)
		abort();
	/* the canonical text is a fixed point */
	if (strcmp(addr_format(&b, again), buf) != 0)
		abort();
}

static void
check_prefix(const uint8_t *data, size_t size)
{
	struct prefix	 p, q;
	char		 s[64], buf[ADDR_STRLEN + 4];

	/* longer than any prefix text: no need to copy it */
	if (size >= sizeof(s))
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (addr_parse_prefix(s, &p) != RB_OK)
		return;
	if (p.len > 128)
		abort();
	if (!prefix_contains(&p, &p.addr))
		abort();
	prefix_format(&p, buf);
	if (strlen(buf) >= sizeof(buf))
		abort();
	if (addr_parse_prefix(buf, &q) != RB_OK)
		abort();
	if (memcmp(p.addr.a, q.addr.a, sizeof(p.addr.a)) != 0 ||
	    p.len != q.len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_addr(data, size);
	check_prefix(data, size);
	return 0;
}
