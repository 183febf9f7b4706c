/*
 * The supervisor: the only place that ties redial, dial, announce and the
 * sshd spawn together.  Signal handlers only set flags that its loop reads.
 */
#ifndef SUPERVISE_H
#define SUPERVISE_H

#include "options.h"
#include "sshdcfg.h"

int	supervise(const struct config *cfg, struct sshdcfg *sc);

#endif
