/* SPDX-License-Identifier: ISC */
/*
 * fuzz_query.c -- fuzz the query path of relaybl-dns (server/dns/query.c)
 *
 * The input is one query packet, as a UDP datagram or a TCP message
 * would carry it. On the first call we load the zones of the default
 * configuration (zones/relaybl.conf) plus one with a long TXT template,
 * and serve them with no store (a NULL reader: nothing is listed but the
 * RFC 5782 test points); then every input goes through query_process()
 * over UDP and over TCP. The answers are written to buffers of exactly
 * the documented size, so that a write past them shows up under
 * AddressSanitizer, and each answer must be a message ldns can parse,
 * echo the query's ID and stay within the size the transport allows. A
 * broken rule calls abort(), which libFuzzer and replay.c both report as
 * a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "config.h"
#include "dns.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct zoneset	*zones;
static struct query_env	 env;
static uint8_t		 udp_out[DNS_MAXUDP];
static uint8_t		 tcp_out[DNS_MAXMSG];

/*
 * The shipped zone, and a zone of our own whose TXT template (90 times
 * the address) makes the RFC 5782 test point's answer about 950 bytes,
 * so that the fuzzer reaches TC and the EDNS size limits.
 */
static const char	 big_zone[] = "$ORIGIN big.example.net.\n"
    "@ 60 SOA ns root 1 1 1 1 60\n@ 60 NS ns\nns 60 A 127.0.0.1\n";

static void
load_zones(void)
{
	struct config		*conf;
	struct zone_conf	*zc;
	char			 err[512] = "";
	int			 fd, i;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		abort();
	if (config_load(SOURCE_ROOT "/zones/relaybl.conf", conf, err,
	    sizeof(err)) != RB_OK || conf->nzones >= CONF_MAXZONES) {
		fprintf(stderr, "fuzz_query: %s\n", err);
		abort();
	}
	zc = &conf->zones[conf->nzones++];
	snprintf(zc->name, sizeof(zc->name), "big.example.net");
	snprintf(zc->file, sizeof(zc->file), "/tmp/fuzz_query.XXXXXX");
	for (i = 0; i < 90; i++)
		strcat(zc->txt, i ? " $" : "$");
	zc->ttl = 60;
	/* Not dprintf(): ldns/util.h takes that name for a macro. */
	if ((fd = mkstemp(zc->file)) == -1 || write(fd, big_zone,
	    sizeof(big_zone) - 1) != (ssize_t)sizeof(big_zone) - 1) {
		perror("fuzz_query: zone file");
		abort();
	}
	close(fd);
	zones = zone_load(conf, err, sizeof(err));
	unlink(zc->file);
	free(conf);
	if (zones == NULL) {
		fprintf(stderr, "fuzz_query: %s\n", err);
		abort();
	}
	env.zones = zones;
	env.rd = NULL;
	env.serial = 2023111401;
	env.now = 1700000000;
}

static void
check_answer(const uint8_t *in, size_t inlen, const uint8_t *out,
    size_t outlen, size_t max)
{
	ldns_pkt	*p = NULL;

	if (outlen < 12 || outlen > max || inlen < 12)
		abort();
	if (out[0] != in[0] || out[1] != in[1] || !(out[2] & 0x80))
		abort();
	if (ldns_wire2pkt(&p, out, outlen) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	outlen;
	int	rc;

	if (zones == NULL)
		load_zones();

	outlen = 0;
	rc = query_process(&env, data, size, udp_out, &outlen, QUERY_UDP);
	if (rc == QUERY_ANSWER)
		check_answer(data, size, udp_out, outlen, sizeof(udp_out));
	else if (rc != QUERY_DROP)
		abort();

	outlen = 0;
	rc = query_process(&env, data, size, tcp_out, &outlen, QUERY_TCP);
	if (rc == QUERY_ANSWER)
		check_answer(data, size, tcp_out, outlen, sizeof(tcp_out));
	else if (rc != QUERY_DROP)
		abort();
	return 0;
}
