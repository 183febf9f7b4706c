/*
 * What the sshd that will be exec'd says about itself (sshd -T): its host
 * keys, its netconf subsystem, its LoginGraceTime.
 */
#ifndef SSHDCFG_H
#define SSHDCFG_H

#include <stddef.h>

#define SSHDCFG_KEYS	16
#define SSHDCFG_PATH	1024

struct sshdcfg {
	char	hostkey[SSHDCFG_KEYS][SSHDCFG_PATH];
	int	nhostkeys;
	char	netconf[SSHDCFG_PATH];	/* "Subsystem netconf" command, or "" */
	int	login_grace;		/* seconds; 0 = none */
};

/* sshdcfg_query(): 0, or one of these, with err saying why. */
#define SSHDCFG_REFUSED	(-1)	/* sshd rejects its configuration */
#define SSHDCFG_SYSERR	(-2)	/* sshd could not be asked: pipe, fork, waitpid */

int	sshdcfg_query(char *const argv[], struct sshdcfg *sc, char *err,
	    size_t errlen);

#endif
