/* SPDX-License-Identifier: ISC */
/*
 * replay.c -- run a fuzz target over its corpora without libFuzzer
 *
 * Each argument is a directory (fuzz_NAME.in/, fuzz_NAME.repro/) or a
 * single file. Every regular file is read into a heap buffer of exactly
 * its size and handed to LLVMFuzzerTestOneInput(), in name order so that
 * a run is repeatable; a sanitizer or an abort() in the target fails the
 * run as it would under libFuzzer. This is what `meson test --suite fuzz`
 * runs when the build is not made with -Dfuzzing=true.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feed the file at path to the target. @return 0, or -1 if unreadable. */
static int
replay_file(const char *path)
{
	struct stat	 st;
	uint8_t		*buf;
	size_t		 len;
	FILE		*f;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	len = (size_t)st.st_size;
	/* Exactly len bytes (one if empty), so that overreads are caught. */
	if ((buf = malloc(len ? len : 1)) == NULL ||
	    fread(buf, 1, len, f) != len) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int
is_regular(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Replay every regular file of dir. @return files run, or -1. */
static int
replay_dir(const char *dir)
{
	struct dirent	**ents;
	char		  path[4096];
	int		  i, n, runs = 0, rc = 0;

	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir,
		    ents[i]->d_name) < (int)sizeof(path) && is_regular(path)) {
			if (replay_file(path) != 0)
				rc = -1;
			else
				runs++;
		}
		free(ents[i]);
	}
	free(ents);
	return rc != 0 ? -1 : runs;
}

int
main(int argc, char **argv)
{
	struct stat	st;
	int		i, n, failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE ...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			failed = 1;
			continue;
		}
		n = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) :
		    replay_file(argv[i]) == 0 ? 1 : -1;
		if (n < 0)
			failed = 1;
		else
			printf("replay: %s: %d inputs\n", argv[i], n);
	}
	return failed;
}
