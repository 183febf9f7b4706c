/*
 * Read sshd_config and every file it includes, and refuse a Match block
 * that would undo the --services=netconf lock-down (see lockdown.h).
 */
#ifndef LOCKCHECK_H
#define LOCKCHECK_H

#include <stddef.h>

/* sshd's directory: relative Include paths, the default sshd_config. */
#define SSHD_DIR	"/etc/ssh"
#define SSHD_CONFIG	SSHD_DIR "/sshd_config"

int	lockcheck(const char *config, const char *dir, int *nfiles, char *err,
	    size_t errlen);

#endif
