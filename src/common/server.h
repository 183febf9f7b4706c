/*
 * SERVER arguments: "host", "host:port", "a.b.c.d:port", "[v6]" or
 * "[v6]:port".  A bare string with two or more colons is an IPv6 address
 * with the default port.
 */
#ifndef SERVER_H
#define SERVER_H

#define SERVER_HOST_MAX	255
#define SERVER_PORT_MAX	5
#define SERVER_NAME_MAX	(SERVER_HOST_MAX + SERVER_PORT_MAX + 3)

struct server {
	char	host[SERVER_HOST_MAX + 1];
	char	port[SERVER_PORT_MAX + 1];
	char	name[SERVER_NAME_MAX + 1];	/* canonical "host:port" or "[v6]:port" */
};

int	server_parse(const char *arg, unsigned int defport, struct server *sv,
	    const char **why);

#endif
