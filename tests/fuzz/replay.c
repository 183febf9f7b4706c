/*
 * Replays a fuzz target's corpus (files, or directories of files) through
 * its entry point, one TAP line per input: the regression run in make
 * check, with any compiler.  An invariant that fails aborts, which the TAP
 * driver reports.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define INPUT_MAX	(1024 * 1024)

static int n;

static void
replay_file(const char *path)
{
	static uint8_t buf[INPUT_MAX];
	size_t len;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL) {
		printf("not ok %d - %s: cannot open\n", ++n, path);
		return;
	}
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, len);
	printf("ok %d - %s\n", ++n, strrchr(path, '/') ?
	    strrchr(path, '/') + 1 : path);
}

int
main(int argc, char *argv[])
{
	char path[4096];
	struct dirent **names;
	struct stat st;
	int i, k, m;

	if (argc == 1) {
		/* make check: the corpus this replayer was built for. */
		argv[1] = CORPUS;
		argc = 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			/* Sorted, so that runs compare line by line. */
			if ((m = scandir(argv[i], &names, NULL, alphasort)) < 0)
				continue;
			for (k = 0; k < m; k++) {
				if (names[k]->d_name[0] != '.') {
					snprintf(path, sizeof(path), "%s/%s",
					    argv[i], names[k]->d_name);
					replay_file(path);
				}
				free(names[k]);
			}
			free(names);
		} else
			replay_file(argv[i]);
	}
	printf("1..%d\n", n);
	return n > 0 ? 0 : 1;
}
