/* SPDX-License-Identifier: ISC */
/*
 * token.c -- the token a test message carries, that only we can mint
 *
 * A token names the host tested, the probe and the test's start, in
 * the clear, and a MAC over them with the store's secret: "rbl-" and 58
 * hex digits. The canary can thus tell which host passed a message on,
 * even when it arrives from another address (a multi-stage relay), and
 * nobody without the secret can make a host look open. It is all hex so
 * that it survives in a local part, a Subject and a Message-ID, and any
 * case, since relays may fold it.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "verify.h"

#define MACLEN	8
#define RAWLEN	(4 + 1 + 16 + MACLEN)

static void
mac(const uint8_t key[TOKEN_KEYLEN], const uint8_t *msg, size_t len,
    uint8_t out[MACLEN])
{
	uint8_t		md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	HMAC(EVP_sha256(), key, TOKEN_KEYLEN, msg, len, md, &mdlen);
	memcpy(out, md, MACLEN);
}

void
token_make(const uint8_t key[TOKEN_KEYLEN], const struct addr *a, int probe,
    int64_t t, struct token *out)
{
	static const char	hex[] = "0123456789abcdef";
	uint8_t			raw[RAWLEN];
	size_t			i;

	raw[0] = (uint8_t)((uint64_t)t >> 24);
	raw[1] = (uint8_t)((uint64_t)t >> 16);
	raw[2] = (uint8_t)((uint64_t)t >> 8);
	raw[3] = (uint8_t)t;
	raw[4] = (uint8_t)probe;
	memcpy(raw + 5, a->a, 16);
	mac(key, raw, RAWLEN - MACLEN, raw + RAWLEN - MACLEN);
	memcpy(out->text, TOKEN_PREFIX, 4);
	for (i = 0; i < RAWLEN; i++) {
		out->text[4 + 2 * i] = hex[raw[i] >> 4];
		out->text[5 + 2 * i] = hex[raw[i] & 15];
	}
	out->text[TOKEN_LEN] = '\0';
	out->addr = *a;
	out->probe = probe;
	out->time = (int64_t)(uint32_t)t;
}

/* Check the TOKEN_HEXLEN hex digits at p. */
static bool
check(const uint8_t key[TOKEN_KEYLEN], const char *p, struct token *out)
{
	uint8_t	raw[RAWLEN], want[MACLEN], diff = 0;
	size_t	i;
	int	hi, lo;

	for (i = 0; i < RAWLEN; i++) {
		if ((hi = addr_hexval(p[2 * i])) < 0 ||
		    (lo = addr_hexval(p[2 * i + 1])) < 0)
			return false;
		raw[i] = (uint8_t)(hi << 4 | lo);
	}
	mac(key, raw, RAWLEN - MACLEN, want);
	for (i = 0; i < MACLEN; i++)
		diff |= want[i] ^ raw[RAWLEN - MACLEN + i];
	if (diff != 0)
		return false;
	out->time = (int64_t)((uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
	    (uint32_t)raw[2] << 8 | raw[3]);
	out->probe = raw[4];
	memcpy(out->addr.a, raw + 5, 16);
	memcpy(out->text, TOKEN_PREFIX, 4);
	for (i = 0; i < TOKEN_HEXLEN; i++)
		out->text[4 + i] = (char)tolower((unsigned char)p[i]);
	out->text[TOKEN_LEN] = '\0';
	return true;
}

bool
token_find(const uint8_t key[TOKEN_KEYLEN], const char *text, size_t len,
    struct token *out)
{
	size_t	i;

	for (i = 0; i + TOKEN_LEN <= len; i++)
		if (strncasecmp(text + i, TOKEN_PREFIX, 4) == 0 &&
		    check(key, text + i + 4, out))
			return true;
	return false;
}

void
token_redact(char *text, size_t len)
{
	size_t	i, j;

	for (i = 0; i + TOKEN_LEN <= len; i++) {
		if (strncasecmp(text + i, TOKEN_PREFIX, 4) != 0)
			continue;
		for (j = 4; j < TOKEN_LEN && isxdigit((unsigned char)text[i + j]);
		    j++)
			;
		if (j < TOKEN_LEN)
			continue;
		memset(text + i + TOKEN_LEN - 2 * MACLEN, 'x', 2 * MACLEN);
		i += TOKEN_LEN - 1;
	}
}
