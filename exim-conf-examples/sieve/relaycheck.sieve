# relaycheck.sieve - Dovecot Pigeonhole: file into Junk what relaycheck
# scored 10 or more (X-Relaycheck-Score), keep everything else in INBOX.
#
# As a user's script (managesieve, or ~/.dovecot.sieve), or for everyone
# before the users' own scripts (dovecot's 90-sieve.conf):
#
#   sieve_before = /etc/dovecot/sieve/relaycheck.sieve
#   (then: sievec /etc/dovecot/sieve/relaycheck.sieve)
#
# Test it on a message with: sieve-test relaycheck.sieve message
#
# i;ascii-numeric reads a value that does not start with a digit as
# infinity: a negative score (a good host with [scores] below zero) is
# excluded first, or it would be filed as Junk. The header name follows
# header_prefix in relaycheck.ini; relaycheck's local_scan() removes copies
# sent by the client. Change "10" to the score you want.

require ["fileinto", "relational", "comparator-i;ascii-numeric"];

if allof (not header :matches "X-Relaycheck-Score" "-*",
          header :value "ge" :comparator "i;ascii-numeric" "X-Relaycheck-Score" "10") {
    fileinto "Junk";
    stop;
}
