#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "lockcheck.h"
#include "lockdown.h"

#define CONFIG_MAX	(1024 * 1024)	/* bytes in one sshd_config file */

struct walk {
	const char	*dir;
	int		 nfiles;
	char		*err;
	size_t		 errlen;
};

static int	walk_file(struct walk *w, const char *path, int in_match,
		    int depth);

/* A whole file, NUL-terminated, or NULL with w->err set. */
static char *
load(struct walk *w, const char *path, size_t *len)
{
	struct stat st;
	char *text = NULL;
	int fd;

	if ((fd = file_open(path, 0, &st, w->err, w->errlen)) == -1)
		return NULL;
	if (st.st_size > CONFIG_MAX) {
		snprintf(w->err, w->errlen, "%s: larger than %d bytes", path,
		    CONFIG_MAX);
		goto out;
	}
	if ((text = malloc(st.st_size + 1)) == NULL) {
		snprintf(w->err, w->errlen, "out of memory");
		goto out;
	}
	switch (file_read_fd(fd, text, st.st_size, len)) {
	case -1:
		snprintf(w->err, w->errlen, "%s: %s", path, strerror(errno));
		break;
	case 1:
		snprintf(w->err, w->errlen, "%s: changed while it was read",
		    path);
		break;
	default:
		text[*len] = '\0';
		goto out;
	}
	free(text);
	text = NULL;
out:
	close(fd);
	return text;
}

/* One Include pattern, resolved and globbed as sshd does. */
static int
walk_include(struct walk *w, const char *from, unsigned int line,
    const char *pattern, int in_match, int depth)
{
	char path[PATH_MAX];
	glob_t g;
	size_t i;
	int r, ret = 0;

	if (pattern[0] != '/' && pattern[0] != '~')
		r = snprintf(path, sizeof(path), "%s/%s", w->dir, pattern);
	else
		r = snprintf(path, sizeof(path), "%s", pattern);
	if (r < 0 || (size_t)r >= sizeof(path)) {
		snprintf(w->err, w->errlen, "%s:%u: Include path too long",
		    from, line);
		return -1;
	}
	if ((r = glob(path, 0, NULL, &g)) == GLOB_NOMATCH)
		return 0;
	if (r != 0) {
		snprintf(w->err, w->errlen, "%s:%u: Include %s: glob failed",
		    from, line, path);
		return -1;
	}
	if (g.gl_pathc > 0 && depth > LOCKDOWN_DEPTH) {
		snprintf(w->err, w->errlen, "%s:%u: Include nested more than "
		    "%d deep", from, line, LOCKDOWN_DEPTH);
		ret = -1;
	}
	for (i = 0; ret == 0 && i < g.gl_pathc; i++)
		ret = walk_file(w, g.gl_pathv[i], in_match, depth);
	globfree(&g);
	return ret;
}

static int
walk_file(struct walk *w, const char *path, int in_match, int depth)
{
	struct lockdown_scan s;
	struct lockdown_item it;
	size_t len, i;
	char *text;
	int ret = 0;

	if ((text = load(w, path, &len)) == NULL)
		return -1;
	w->nfiles++;
	lockdown_init(&s, text, len, in_match);
	while (ret == 0) {
		switch (lockdown_next(&s, &it)) {
		case LOCKDOWN_END:
			goto out;
		case LOCKDOWN_OVERRIDE:
			snprintf(w->err, w->errlen, "%s:%u: Match block sets "
			    "%s, which --services=netconf relies on; remove it "
			    "or use --services=any", path, it.line, it.keyword);
			ret = -1;
			break;
		case LOCKDOWN_BAD:
			snprintf(w->err, w->errlen, "%s:%u: %s", path, it.line,
			    it.why);
			ret = -1;
			break;
		case LOCKDOWN_INCLUDE:
			for (i = 0; ret == 0 && i < it.argc; i++)
				ret = walk_include(w, path, it.line, it.argv[i],
				    it.in_match, depth + 1);
			break;
		}
	}
out:
	lockdown_free(&s);
	free(text);
	return ret;
}

/*
 * Check config (sshd's -f file) and all it includes, relative Include
 * paths taken in dir.  0, or -1 with err naming the file and line.
 */
int
lockcheck(const char *config, const char *dir, int *nfiles, char *err,
    size_t errlen)
{
	struct walk w = { dir, 0, err, errlen };
	int ret;

	ret = walk_file(&w, config, 0, 0);
	*nfiles = w.nfiles;
	return ret;
}
