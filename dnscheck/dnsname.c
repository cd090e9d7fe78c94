/*
 * dnsname - the one DNS-name validator (see dnsname.h). The HELO check,
 * the INI file's names and zones, the blocklist query names, the PTR
 * classifier and the SPF layer's query names all come here; each says by
 * its flags how strict it is.
 */
#include <ctype.h>
#include <string.h>

#include "dnsname.h"

const char *
rc_dnsname_problem(const char *name, unsigned flags)
{
    size_t  len = strlen(name), label = 0;
    int     labels = 0;

    if ((flags & RC_DN_ROOTDOT) && len > 0 && name[len - 1] == '.')
	len--;
    if (len == 0)
	return ("empty name");
    if (len > 253)
	return ("longer than 253 characters");
    for (size_t i = 0; i < len; i++) {
	unsigned char c = (unsigned char) name[i];

	if (c == '.') {
	    if (label == 0)
		return ("empty label");
	    labels++;
	    label = 0;
	    continue;
	}
	if (flags & RC_DN_HOST) {
	    if (!isalnum(c) && c != '-' && c != '_')
		return ("characters not allowed in a host name");
	} else if (c < 0x20 || c == 0x7f) {
	    return ("control character");
	}
	if (++label > 63)
	    return ("label longer than 63 characters");
    }
    if (label == 0)
	return ("empty label");
    labels++;
    if ((flags & RC_DN_TWOLABELS) && (labels < 2 || name[0] == '['))
	return ("only one label");
    return (NULL);
}

bool
rc_dnsname_ok(const char *name, unsigned flags)
{
    return (rc_dnsname_problem(name, flags) == NULL);
}
