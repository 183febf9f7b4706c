/*
 * Whether a name, a device id, can be a known_hosts host name: ssh-callhome
 * records keys under it, and sshd-callhome --check warns about an id that
 * it would refuse.
 */
#ifndef KHNAME_H
#define KHNAME_H

int	knownhosts_name_ok(const char *name, const char **why);

#endif
