/*
 * parse.h - general value parsers: integers, booleans, durations and
 * socket addresses, as the INI file and the command write them
 *
 * Each returns false on anything but a whole, valid value and then leaves
 * its output alone (rc_parse_sockaddr() zeroes it).
 */
#ifndef RC_PARSE_H_INCLUDED
#define RC_PARSE_H_INCLUDED

#include <stdbool.h>
#include <sys/socket.h>

/* rc_parse_int - a decimal integer in min..max, nothing after it */
extern bool rc_parse_int(const char *, long min, long max, long *out);

/* rc_parse_bool - yes/true/on/1 or no/false/off/0, any case */
extern bool rc_parse_bool(const char *, bool *out);

/* rc_parse_duration - "5s", "500ms", "2m"; bare number = seconds */
extern bool rc_parse_duration(const char *, int *ms);

/* rc_parse_sockaddr - "IP", "IP:port", "[IPv6]:port"; port 0 = default 53 */
extern bool rc_parse_sockaddr(const char *, struct sockaddr_storage *);

#endif
