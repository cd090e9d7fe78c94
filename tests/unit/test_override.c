/*
 * test_override.c - rc_config_override(): the static build's Exim options
 * override single-valued [relaycheck] keys with the INI file's validation
 */
#include "testutil.h"

static const char *const INI = "[relaycheck]\nreject_score = 20\ntempreject_score = 9\n"
    "dns_timeout = 7s\non_dns_failure = accept\nheader_prefix = X-From-Ini\n";

Test(override, valid_values_replace_the_ini_values)
{
    RC_CONFIG *cfg = parse_ok(INI);
    const char *why = NULL;

    cr_assert(rc_config_override(cfg, "reject_score", "5", &why), "%s", why);
    cr_assert(rc_config_override(cfg, "tempreject_score", "0", &why), "%s", why);
    cr_assert(rc_config_override(cfg, "dns_timeout", "2s", &why), "%s", why);
    cr_assert(rc_config_override(cfg, "on_dns_failure", "tempreject", &why), "%s", why);
    cr_assert(rc_config_override(cfg, "header_prefix", "X-Static", &why), "%s", why);
    cr_assert(eq(int, cfg->reject_score, 5));
    cr_assert(eq(int, cfg->tempreject_score, 0));
    cr_assert(eq(int, cfg->dns_timeout_ms, 2000));
    cr_assert(eq(int, cfg->on_dns_failure, RC_DNSFAIL_TEMPREJECT));
    cr_assert(eq(str, cfg->header_prefix, "X-Static"));
    rc_config_free(cfg);
}

Test(override, invalid_values_fail_and_leave_the_ini_values)
{
    RC_CONFIG *cfg = parse_ok(INI);
    const char *why = NULL;

    cr_assert(not(rc_config_override(cfg, "reject_score", "-1", &why)));
    cr_assert(eq(str, (char *) why, "not an integer in range"));
    cr_assert(not(rc_config_override(cfg, "dns_timeout", "0s", &why)));
    cr_assert(not(rc_config_override(cfg, "dns_timeout", "121s", &why)));
    cr_assert(not(rc_config_override(cfg, "dns_timeout", "2147483647s", &why)));
    cr_assert(not(rc_config_override(cfg, "on_dns_failure", "maybe", &why)));
    cr_assert(eq(str, (char *) why, "must be accept or tempreject"));
    cr_assert(not(rc_config_override(cfg, "header_prefix", "X Bad", &why)));
    cr_assert(not(rc_config_override(cfg, "header_prefix", "", &why)));
    cr_assert(eq(int, cfg->reject_score, 20));
    cr_assert(eq(int, cfg->dns_timeout_ms, 7000));
    cr_assert(eq(int, cfg->on_dns_failure, RC_DNSFAIL_ACCEPT));
    cr_assert(eq(str, cfg->header_prefix, "X-From-Ini"));
    rc_config_free(cfg);
}

Test(override, list_and_unknown_keys_are_refused)
{
    RC_CONFIG *cfg = parse_ok(INI);
    const char *why = NULL;

    cr_assert(not(rc_config_override(cfg, "nameservers", "127.0.0.1", &why)));
    cr_assert(not(rc_config_override(cfg, "skip_hosts", "", &why)));
    cr_assert(not(rc_config_override(cfg, "no_such_key", "1", &why)));
    cr_assert(eq(sz, cfg->nnameservers, 0));
    rc_config_free(cfg);
}

Test(override, built_in_defaults_can_be_overridden)
{
    RC_CONFIG *cfg = rc_config_defaults();
    const char *why = NULL;

    cr_assert(cfg != NULL);
    cr_assert(rc_config_override(cfg, "reject_score", "0", &why), "%s", why);
    cr_assert(eq(int, cfg->reject_score, 0));
    rc_config_free(cfg);
}
