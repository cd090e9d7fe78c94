/*
 * checks.c - the table of checks: ids, default scores, texts, remedies
 *
 * Texts follow PerfectMail's wording where it has one ("Relay Host: No DNS
 * PTR record"). A remedy is addressed to the sender's administrator and
 * shown in SMTP rejections; its one %s is the client IP.
 */
#include "checks.h"

#include <string.h>

const RC_CHECKINFO rc_checkinfo[RC_CHK_COUNT] = {
    [RC_CHK_PTR_MISSING] = {"ptr_missing", 8, "Relay Host: No DNS PTR record",
	"ask your Internet provider to create a DNS PTR record for %s"},
    [RC_CHK_PTR_NO_ADDRESS] = {"ptr_no_address", 4,
	"Relay Host: DNS PTR name has no address record",
	"give the host name in the PTR record of %s an A/AAAA record"},
    [RC_CHK_PTR_MISMATCH] = {"ptr_mismatch", 4,
	"Relay Host: DNS PTR name does not resolve back to the IP",
	"make the A/AAAA record of the PTR name of %s point back to it"},
    [RC_CHK_PTR_GENERIC] = {"ptr_generic", 3, "Relay Host: generic/dynamic DNS PTR name",
	"send through your provider's mail server, or give %s a static mail-server name"},
    [RC_CHK_HELO_BARE_IP] = {"helo_bare_ip", 3, "HELO: address literal or bare IP",
	"configure your server to greet with its fully qualified host name"},
    [RC_CHK_HELO_NOT_FQDN] = {"helo_not_fqdn", 2, "HELO: not a fully qualified domain name",
	"configure your server to greet with its fully qualified host name"},
    [RC_CHK_HELO_MISMATCH] = {"helo_mismatch", 1, "HELO: name does not resolve to the IP",
	"greet with a host name whose A/AAAA record includes %s"},
    [RC_CHK_HELO_WRONG_IP] = {"helo_wrong_ip", 5,
	"HELO: address literal that is not the client's address",
	"configure your server to greet with its fully qualified host name"},
    [RC_CHK_HELO_IS_US] = {"helo_is_us", 5, "HELO: claims to be this server",
	"configure your server to greet with its own fully qualified host name"},
    [RC_CHK_HELO_GENERIC] = {"helo_generic", 2, "HELO: generic/dynamic host name",
	"greet with a static mail-server name, not the dynamic name of %s"},
    [RC_CHK_SENDER_DOMAIN_UNRESOLVABLE] = {"sender_domain_unresolvable", 3,
	"Sender: domain cannot receive a bounce",
	"give the sender domain an MX record, or an A/AAAA record"},
    [RC_CHK_SPF_PASS] = {"spf_pass", 0, "SPF: pass", NULL},
    [RC_CHK_SPF_FAIL] = {"spf_fail", 6, "SPF: fail",
	"the sender domain's SPF record does not authorise %s"},
    [RC_CHK_SPF_SOFTFAIL] = {"spf_softfail", 2, "SPF: softfail",
	"the sender domain's SPF record does not authorise %s"},
    [RC_CHK_SPF_NEUTRAL] = {"spf_neutral", 0, "SPF: neutral", NULL},
    [RC_CHK_SPF_NONE] = {"spf_none", 1, "SPF: none", "publish an SPF record for the sender domain"},
    [RC_CHK_SPF_PERMERROR] = {"spf_permerror", 1, "SPF: permerror",
	"fix the sender domain's SPF record"},
    [RC_CHK_SPF_TEMPERROR] = {"spf_temperror", 0, "SPF: temperror", NULL},
    [RC_CHK_DNSBL] = {"dnsbl", 0, "DNSBL: listed",
	"see the blocklist's web site for how to get %s delisted"},
    [RC_CHK_RHSBL] = {"rhsbl", 0, "DNSBL: domain listed", NULL},
    [RC_CHK_ALLOWLIST] = {"no_server_check", 0, "Relay Host: on No Server Check list", NULL},
};

int
rc_check_by_id(const char *id)
{
    for (int i = 0; i < RC_CHK_COUNT; i++)
	if (strcmp(rc_checkinfo[i].id, id) == 0)
	    return (i);
    return (-1);
}

const char *
rc_status_name(RC_STATUS s)
{
    switch (s) {
    case RC_HIT:
	return ("HIT");
    case RC_PASS:
	return ("PASS");
    case RC_TEMP:
	return ("TEMP");
    case RC_SKIP:
	return ("SKIP");
    }
    return ("?");
}
