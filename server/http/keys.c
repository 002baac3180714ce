/* SPDX-License-Identifier: ISC */
/*
 * keys.c -- API keys and the operator's key, compared in constant time
 *
 * A keys file holds one key a line, with an optional name after it for
 * the logs (a key itself is never logged). keys_match() compares the
 * presented key with every key held, each over its full length, so that
 * the time taken tells nothing of how close a guess came.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define KEY_MIN		16
#define KEY_MAX		128

struct key {
	char	 key[KEY_MAX + 1];
	size_t	 len;
	char	 name[64];
};

struct keys {
	struct key	*k;
	size_t		 n;
};

struct keys *
keys_load(const char *path, char *err, size_t errlen)
{
	struct keys	*ks;
	struct key	*k;
	char		*line = NULL, *p, *key, *name;
	size_t		 cap = 0, lineno = 0;
	FILE		*f;

	if ((ks = calloc(1, sizeof(*ks))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (path == NULL || path[0] == '\0')
		return ks;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(ks);
		return NULL;
	}
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		key = strsep(&p, " \t\r\n");
		name = p != NULL ? strsep(&p, "\r\n") : NULL;
		while (name != NULL && isspace((unsigned char)*name))
			name++;
		if (strlen(key) < KEY_MIN || strlen(key) > KEY_MAX) {
			snprintf(err, errlen, "%s:%zu: a key is %d to %d "
			    "characters", path, lineno, KEY_MIN, KEY_MAX);
			goto fail;
		}
		if ((k = reallocarray(ks->k, ks->n + 1, sizeof(*k))) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		ks->k = k;
		k = &ks->k[ks->n++];
		memset(k, 0, sizeof(*k));
		k->len = strlen(key);
		memcpy(k->key, key, k->len);
		if (name != NULL && *name != '\0')
			snprintf(k->name, sizeof(k->name), "%s", name);
		else
			snprintf(k->name, sizeof(k->name), "key %zu", ks->n);
	}
	free(line);
	fclose(f);
	return ks;
fail:
	free(line);
	fclose(f);
	keys_free(ks);
	return NULL;
}

void
keys_free(struct keys *ks)
{
	if (ks == NULL)
		return;
	if (ks->k != NULL)
		explicit_bzero(ks->k, ks->n * sizeof(*ks->k));
	free(ks->k);
	free(ks);
}

const char *
keys_match(const struct keys *ks, const char *key)
{
	const char	*found = NULL;
	size_t		 len, i, j;
	unsigned int	 diff;

	if (ks == NULL || key == NULL)
		return NULL;
	len = strnlen(key, KEY_MAX + 1);
	for (i = 0; i < ks->n; i++) {
		/* Walk the held key whole; read the given one within bounds. */
		diff = (unsigned int)(len ^ ks->k[i].len);
		for (j = 0; j < ks->k[i].len; j++)
			diff |= (unsigned char)ks->k[i].key[j] ^
			    (unsigned char)(j < len ? key[j] : 0);
		if (diff == 0)
			found = ks->k[i].name;
	}
	return found;
}
