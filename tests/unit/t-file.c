/* file.c: who may own a secret's file, and links to one. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "tap.h"

/* file_private_ok(owner, mode, euid): accepted, or refused with want. */
static void
private_is(uid_t owner, mode_t mode, uid_t euid, const char *want)
{
	char why[256] = "";
	int r;

	r = file_private_ok(owner, mode, euid, why, sizeof(why));
	if (want == NULL) {
		if (!ok(r == 0, "owner %lu, mode 0%03o, read by uid %lu: "
		    "accepted", (unsigned long)owner, (unsigned)(mode & 07777),
		    (unsigned long)euid))
			printf("#   why: \"%s\"\n", why);
	} else
		is_str(r == -1 ? why : "(accepted)", want,
		    "owner %lu, mode 0%03o, read by uid %lu: refused",
		    (unsigned long)owner, (unsigned)(mode & 07777),
		    (unsigned long)euid);
}

int
main(void)
{
	char dir[] = "/tmp/t-file.XXXXXX", path[256], link[256], err[512];
	struct stat st;
	int fd;

	private_is(0, S_IFREG | 0600, 0, NULL);
	private_is(1000, S_IFREG | 0600, 1000, NULL);
	/* Root's file, read by a user: root could give it to anyone anyway. */
	private_is(0, S_IFREG | 0600, 1000, NULL);
	/* A systemd credential: 0400, root's or (on ramfs) the service's. */
	private_is(0, S_IFREG | 0400, 0, NULL);
	private_is(993, S_IFREG | 0400, 993, NULL);
	private_is(65534, S_IFREG | 0600, 0,
	    "owned by uid 65534, not by root or by uid 0");
	private_is(1000, S_IFREG | 0400, 1001,
	    "owned by uid 1000, not by root or by uid 1001");
	private_is(0, S_IFREG | 0640, 0, "permissions 0640 are too open: "
	    "it must not be accessible by group or others (chmod 600)");
	private_is(1000, S_IFREG | 0604, 1000, "permissions 0604 are too "
	    "open: it must not be accessible by group or others (chmod 600)");
	private_is(1000, S_IFREG | 0601, 1000, "permissions 0601 are too "
	    "open: it must not be accessible by group or others (chmod 600)");
	/* Owner first: chmod cannot fix another user's file. */
	private_is(2000, S_IFREG | 0644, 1000,
	    "owned by uid 2000, not by root or by uid 1000");

	/* A link to a good file: refused for a secret, followed otherwise. */
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/secret", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    write(fd, "s3cret\n", 7) != 7 || close(fd) == -1 ||
	    symlink("secret", link) == -1) {
		printf("Bail out! %s: %s\n", dir, strerror(errno));
		return 1;
	}
	fd = file_open(path, FILE_PRIVATE, &st, err, sizeof(err));
	ok(fd != -1, "the 0600 file itself opens as a secret");
	if (fd != -1)
		close(fd);
	fd = file_open(link, FILE_PRIVATE, &st, err, sizeof(err));
	ok(fd == -1 && strstr(err, "/link: a symbolic link; name the file "
	    "itself") != NULL, "a link to it is refused as a secret: %s", err);
	if (fd != -1)
		close(fd);
	fd = file_open(link, 0, &st, err, sizeof(err));
	ok(fd != -1, "a link is followed for other files");
	if (fd != -1)
		close(fd);
	unlink(link);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
