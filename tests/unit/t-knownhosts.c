/* known_hosts editing: names, the pure edit, and the locked file update. */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "knownhosts.h"
#include "tap.h"

static const char key1[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBk2m1cOHmMCxGxh8OYtPZ0hCqpCdUhrEG1kq9hbPSkH";
/* ssh-keygen -H of "rtr-1", "mixed.case" and "[rtr-1]:830". */
#define HASH_RTR1	"|1|q5ntyBJIe1yqIVCEs31cvW/OghA=|" \
			"ZlETaWRM/wzeHti1juEZob5IujU="
#define HASH_MIXED	"|1|vMLvBRopBv9nHS02wDugNXEVfRo=|" \
			"UHJrRp7QFPU0Z/Sp52sDkoSEOGw="
#define HASH_PORT	"|1|wtDndmOWIEwBx5u78OH/FARwdHY=|" \
			"jOWzdUmIdVR+cbtNd3m2yT/ywIE="

static const char key2[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIx8tdIGjt3NRBqqDwwKQJz0+Fq3Fv0iVYDHzk6XWdCz";

static void
name(const char *n, int good)
{
	const char *why = NULL;

	if (good)
		ok(knownhosts_name_ok(n, &why) == 0, "name \"%s\" accepted", n);
	else
		ok(knownhosts_name_ok(n, &why) == -1 && why != NULL,
		    "name \"%s\" refused", n);
}

/* edit(old, name, key) must give want; changed as given. */
static void
edit_is(const char *what, const char *old, const char *nm, const char *key,
    const char *want, int want_changed)
{
	char *out;
	size_t len, foreign;
	int changed, r;

	r = knownhosts_edit(old, strlen(old), nm, key, &out, &len, &changed,
	    &foreign);
	if (!ok(r == 0 && len == strlen(want) && memcmp(out, want, len) == 0 &&
	    changed == want_changed, "%s", what))
		printf("#   got: %d \"%.*s\" changed %d\n#  want: \"%s\"\n",
		    r, r == 0 ? (int)len : 0, r == 0 ? out : "", changed,
		    want);
	free(out);
}

/* edit(old, name, key) must refuse, naming line (1-based). */
static void
foreign_is(const char *what, const char *old, const char *nm, size_t line)
{
	char *out = NULL;
	size_t len, foreign;
	int changed, r;

	r = knownhosts_edit(old, strlen(old), nm, key1, &out, &len, &changed,
	    &foreign);
	if (!ok(r == KNOWNHOSTS_FOREIGN && out == NULL && foreign == line,
	    "%s: refused at line %zu", what, line))
		printf("#   got: %d, line %zu\n", r, foreign);
	free(out);
}

/* classify(line, name) must say want. */
static void
line_is(const char *line, const char *nm, enum knownhosts_line want)
{
	static const char *names[] = { "other", "ours", "foreign" };
	enum knownhosts_line got;

	got = knownhosts_classify(line, strlen(line), nm);
	if (!ok(got == want, "\"%s\" is %s for \"%s\"", line, names[want],
	    nm))
		printf("#   got: %s\n", names[got]);
}

/* pattern_match(list, name) must give want. */
static void
match_is(const char *list, const char *nm, int want)
{
	int got = knownhosts_pattern_match(list, strlen(list), nm);

	if (!ok(got == want, "pattern list \"%s\" and \"%s\": %d", list,
	    nm, want))
		printf("#   got: %d\n", got);
}

static char *
slurp(const char *path)
{
	static char buf[8192];
	FILE *fp;
	size_t n;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int
entries(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_file(void)
{
	char dir[] = "/tmp/t-knownhosts.XXXXXX", path[256], lock[sizeof(path) + 8];
	char want[1024], err[512], msg[sizeof(path) + 128];
	struct stat st;
	ino_t ino = 0;
	FILE *fp;
	int changed, fd;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/known_hosts", dir);
	snprintf(lock, sizeof(lock), "%s.lock", path);

	ok(knownhosts_usable(path, err, sizeof(err)) == 0,
	    "a missing file in a writable directory is usable");
	ok(knownhosts_update(path, "rtr-1", key1, &changed, err,
	    sizeof(err)) == 0 && changed, "update creates the file");
	snprintf(want, sizeof(want), "rtr-1 %s ssh-callhome\n", key1);
	is_str(slurp(path), want, "one line, device id, key and our comment");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644,
	    "a new file is 0644");
	is_int(entries(dir), 2, "the file and its lock file, no temp file");

	ok(knownhosts_update(path, "rtr-1", key1, &changed, err,
	    sizeof(err)) == 0 && !changed, "the same key again: no change");

	if ((fp = fopen(path, "w")) != NULL) {
		fprintf(fp, "# mine\nother %s\nrtr-1 %s ssh-callhome\n", key1,
		    key2);
		fclose(fp);
	}
	chmod(path, 0600);
	ok(knownhosts_update(path, "rtr-1", key1, &changed, err,
	    sizeof(err)) == 0 && changed, "a changed key is replaced");
	snprintf(want, sizeof(want), "# mine\nother %s\nrtr-1 %s "
	    "ssh-callhome\n", key1, key1);
	is_str(slurp(path), want, "other lines are kept as they were");

	/* Another's line for the name: refused, the file not even rewritten. */
	if (stat(path, &st) == 0)
		ino = st.st_ino;
	ok(knownhosts_update(path, "other", key2, &changed, err,
	    sizeof(err)) == KNOWNHOSTS_FOREIGN && !changed,
	    "another's line for the name: refused");
	snprintf(msg, sizeof(msg), "%s:2 already holds a line for \"other\" "
	    "that ssh-callhome did not write", path);
	is_str(err, msg, "... saying which line");
	is_str(slurp(path), want, "... and the file is unchanged");
	ok(stat(path, &st) == 0 && st.st_ino == ino,
	    "... the very same file, not a copy");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "the file's mode is kept");
	is_int(entries(dir), 2, "still no temp file left");

	/* Another writer holds the lock: wait, then give up, file intact. */
	if ((fd = knownhosts_lock(path, 0, err, sizeof(err))) != -1) {
		ok(knownhosts_lock(path, 200, err, sizeof(err)) == -1 &&
		    strstr(err, "locked") != NULL,
		    "a second locker gives up after its timeout");
		close(fd);
		ok((fd = knownhosts_lock(path, 0, err, sizeof(err))) != -1,
		    "the lock is free again after close");
		if (fd != -1)
			close(fd);
	} else
		ok(0, "lock: %s", err);

	ok(knownhosts_update(dir, "rtr-1", key1, &changed, err,
	    sizeof(err)) == -1 && strstr(err, "not a regular file") != NULL,
	    "a directory is refused");
	ok(knownhosts_usable(dir, err, sizeof(err)) == -1,
	    "a directory is not usable");
	snprintf(want, sizeof(want), "%s/none/known_hosts", dir);
	ok(knownhosts_usable(want, err, sizeof(err)) == -1,
	    "a missing directory is not usable");

	unlink(path);
	unlink(lock);
	rmdir(dir);
	/* Made beside the directory by the refusals above. */
	snprintf(lock, sizeof(lock), "%s.lock", dir);
	unlink(lock);
}

int
main(void)
{
	char l1[256], l2[256], line[256], old[2048], want[2048];

	name("rtr-1", 1);
	name("RTR.example.net", 1);
	name("fe80::1", 1);
	name("dev_42:x", 1);
	name("", 0);
	name("a b", 0);
	name("a,b", 0);
	name("r*", 0);
	name("r?", 0);
	name("!r", 0);
	name("r#1", 0);
	name("[r]:22", 0);
	name("@cert-authority", 0);
	name("|1|abc", 0);
	name("r\\1", 0);
	name("caf\xc3\xa9", 0);
	name("tab\there", 0);
	name("say\"x\"", 0);
	name("it's", 0);
	name("r]", 0);
	name("r!x", 0);
	name("\xff", 0);

	match_is("rtr-1", "rtr-1", 1);
	match_is("RTR-1", "rtr-1", 1);
	match_is("rtr-1", "RTR-1", 1);
	match_is("rtr-10", "rtr-1", 0);
	match_is("rtr-", "rtr-1", 0);
	match_is("a,rtr-1,b", "rtr-1", 1);
	match_is("a,b", "rtr-1", 0);
	match_is("rtr-*", "rtr-1", 1);
	match_is("*", "rtr-1", 1);
	match_is("r?r-?", "rtr-1", 1);
	match_is("r?r-??", "rtr-1", 0);
	match_is("*-*-*", "rtr-1", 0);
	match_is("*t*1", "rtr-1", 1);
	match_is("rtr-*,!rtr-1", "rtr-1", -1);
	match_is("!rtr-1,rtr-*", "rtr-1", -1);
	match_is("rtr-*,!rtr-2", "rtr-1", 1);
	match_is("!rtr-2", "rtr-1", 0);
	match_is("[rtr-1]:830", "rtr-1", 1);
	match_is("[RTR-*]:*", "rtr-1", 1);
	match_is("[rtr-2]:830", "rtr-1", 0);
	match_is("[rtr-1]", "rtr-1", 0);
	match_is("*,![rtr-1]:830", "rtr-1", 1);
	match_is("", "rtr-1", 0);
	match_is(",,", "rtr-1", 0);
	match_is("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0);

	snprintf(line, sizeof(line), "rtr-1 %s ssh-callhome", key1);
	line_is(line, "rtr-1", KH_LINE_OURS);
	line_is(line, "RTR-1", KH_LINE_OURS);
	line_is(line, "rtr-2", KH_LINE_OTHER);
	snprintf(line, sizeof(line), "  rtr-1\t%s  ssh-callhome \r", key1);
	line_is(line, "rtr-1", KH_LINE_OURS);
	snprintf(line, sizeof(line), "rtr-1 %s", key1);
	line_is(line, "rtr-1", KH_LINE_FOREIGN);
	snprintf(line, sizeof(line), "rtr-1 %s ssh-callhome extra", key1);
	line_is(line, "rtr-1", KH_LINE_FOREIGN);
	snprintf(line, sizeof(line), "rtr-1 %s by-hand", key1);
	line_is(line, "rtr-1", KH_LINE_FOREIGN);
	snprintf(line, sizeof(line), "rtr-1 %s ssh-callhome\rx", key1);
	line_is(line, "rtr-1", KH_LINE_FOREIGN);
	line_is("rtr-1", "rtr-1", KH_LINE_FOREIGN);
	snprintf(line, sizeof(line), "rtr-1,10.0.0.1 %s ssh-callhome", key1);
	line_is(line, "rtr-1", KH_LINE_FOREIGN);
	line_is(line, "10.0.0.1", KH_LINE_FOREIGN);
	snprintf(line, sizeof(line), "rtr-* %s ssh-callhome", key1);
	line_is(line, "rtr-1", KH_LINE_FOREIGN);
	snprintf(line, sizeof(line), "[rtr-1]:830 %s", key1);
	line_is(line, "rtr-1", KH_LINE_FOREIGN);
	snprintf(line, sizeof(line), "rtr-*,!rtr-1 %s", key1);
	line_is(line, "rtr-1", KH_LINE_OTHER);
	line_is(line, "rtr-2", KH_LINE_FOREIGN);
	line_is(HASH_RTR1 " ssh-ed25519 AAAA", "rtr-1", KH_LINE_FOREIGN);
	line_is(HASH_RTR1 " ssh-ed25519 AAAA", "RTR-1", KH_LINE_FOREIGN);
	line_is(HASH_RTR1 " ssh-ed25519 AAAA", "rtr-2", KH_LINE_OTHER);
	line_is(HASH_MIXED " ssh-ed25519 AAAA", "Mixed.Case", KH_LINE_FOREIGN);
	line_is(HASH_PORT " ssh-ed25519 AAAA", "rtr-1", KH_LINE_OTHER);
	line_is("|1|q5ntyBJIe1yqIVCEs31cvW/OghA=|AAAA ssh-ed25519 AAAA",
	    "rtr-1", KH_LINE_OTHER);
	line_is("|2|q5ntyBJIe1yqIVCEs31cvW/OghA=|ZlETaWRM/wzeHti1juEZob5IujU="
	    " ssh-ed25519 AAAA", "rtr-1", KH_LINE_OTHER);
	line_is("|1|abc=|def= ssh-ed25519 AAAA", "rtr-1", KH_LINE_OTHER);
	line_is("@cert-authority rtr-* ssh-ed25519 AAAA", "rtr-1",
	    KH_LINE_FOREIGN);
	line_is("@cert-authority " HASH_RTR1 " ssh-ed25519 AAAA", "rtr-1",
	    KH_LINE_FOREIGN);
	line_is("@cert-authority other ssh-ed25519 AAAA", "rtr-1",
	    KH_LINE_OTHER);
	line_is("@revoked rtr-1 ssh-ed25519 AAAA", "rtr-1", KH_LINE_OTHER);
	line_is("@revoked * ssh-ed25519 AAAA", "rtr-1", KH_LINE_OTHER);
	line_is("@unknown rtr-1 ssh-ed25519 AAAA", "rtr-1", KH_LINE_OTHER);
	line_is("# rtr-1 ssh-ed25519 AAAA", "rtr-1", KH_LINE_OTHER);
	line_is("   ", "rtr-1", KH_LINE_OTHER);
	line_is("", "rtr-1", KH_LINE_OTHER);

	snprintf(l1, sizeof(l1), "rtr-1 %s ssh-callhome\n", key1);
	snprintf(l2, sizeof(l2), "rtr-1 %s ssh-callhome\n", key2);
	edit_is("an empty file gets the line, with ssh-callhome's comment",
	    "", "rtr-1", key1, l1, 1);
	edit_is("the same line: unchanged", l1, "rtr-1", key1, l1, 0);
	edit_is("another key replaces its own line", l1, "rtr-1", key2, l2,
	    1);

	snprintf(old, sizeof(old), "# comment\n\nrtr-10 %s\n"
	    "rtr-1 %s ssh-callhome\n|1|aGFzaA==|aGFzaA== %s\n"
	    "@revoked rtr-1 %s\n@cert-authority *.corp %s\n"
	    "rtr-*,!rtr-1 %s\n  RTR-1 %s ssh-callhome\nlast %s", key1, key1,
	    key1, key2, key1, key1, key2, key1);
	snprintf(want, sizeof(want), "# comment\n\nrtr-10 %s\n"
	    "rtr-1 %s ssh-callhome\n|1|aGFzaA==|aGFzaA== %s\n"
	    "@revoked rtr-1 %s\n@cert-authority *.corp %s\n"
	    "rtr-*,!rtr-1 %s\nlast %s\n", key1, key2, key1, key2, key1, key1,
	    key1);
	edit_is("its lines replaced in place, in any case, once; comments, "
	    "other names, @revoked, other patterns stay; final newline added",
	    old, "rtr-1", key2, want, 1);

	snprintf(old, sizeof(old), "a %s\nb %s", key1, key1);
	snprintf(want, sizeof(want), "a %s\nb %s\nrtr-1 %s ssh-callhome\n",
	    key1, key1, key2);
	edit_is("appended after a last line without newline", old, "rtr-1",
	    key2, want, 1);

	snprintf(old, sizeof(old), "rtr-1 %s ssh-callhome\r\nb %s\r\n",
	    key1, key1);
	snprintf(want, sizeof(want), "rtr-1 %s ssh-callhome\nb %s\r\n",
	    key2, key1);
	edit_is("CRLF lines: ours replaced, others kept", old, "rtr-1", key2,
	    want, 1);

	snprintf(old, sizeof(old), "# x\nrtr-1 %s ssh-callhome\ngithub.com "
	    "%s\n", key1, key2);
	foreign_is("a hand-written line", old, "github.com", 3);
	foreign_is("... in another case", old, "GitHub.COM", 3);
	snprintf(old, sizeof(old), "rtr-1 %s\n", key1);
	foreign_is("an unmarked line (an older ssh-callhome's)", old, "rtr-1",
	    1);
	snprintf(old, sizeof(old), "rtr-1 %s ssh-callhome\n"
	    "rtr-1,10.0.0.1 %s\n", key1, key1);
	foreign_is("a list after our own line", old, "rtr-1", 2);
	foreign_is("a hashed name", "\n" HASH_RTR1 " ssh-ed25519 AAAA\n",
	    "rtr-1", 2);
	foreign_is("a wildcard", "x\ny\nrtr-?,z ssh-ed25519 AAAA", "rtr-1",
	    3);
	foreign_is("[name]:port", "[rtr-1]:830 ssh-ed25519 AAAA\n", "rtr-1",
	    1);
	foreign_is("@cert-authority", "@cert-authority rtr-* ssh-ed25519 "
	    "AAAA\n", "rtr-1", 1);

	test_file();
	test_file();
	return done_testing();
}
