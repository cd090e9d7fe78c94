#!/bin/sh
# deps.sh - install every Debian package that build, demo and tests need.
# Non-interactive and idempotent: apt-get update runs only when a package is
# missing and no package list is present or it is older than a day; sudo is
# used when not root.
set -eu

PACKAGES="build-essential pkg-config exim4-daemon-heavy exim4-dev libudns-dev
libspf2-dev libinih-dev libcriterion-dev libpsl-dev zlib1g-dev publicsuffix nsd
python3 python3-yaml python3-dnspython valgrind clang libclang-rt-14-dev binutils man-db lintian
spamassassin spamd dovecot-sieve
dpkg-dev xz-utils libdb-dev libpcre2-dev libcrypt-dev
prometheus chromium fonts-dejavu-core"
# (the line from dpkg-dev: make exim-static, upstream Exim built from its upstream tarball)
# (python3-dnspython: make test-responder, an independent client for the test DNS responder)
# (spamassassin spamd: test_spamassassin and the SpamAssassin example; dovecot-sieve: sieve-test
# for the Sieve example. Their packages' daemons are not started: see policy-rc.d below)
# (prometheus: promtool checks --summary --prometheus; chromium, fonts-dejavu-core: the --report
#  page rendered headless in test_report)

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "deps: need root or sudo to install:$missing" >&2; exit 1; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
lists=/var/lib/apt/lists
if [ -z "$(find "$lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
    $SUDO apt-get update -q
fi
echo "deps: installing$missing"
# Installing exim4 must not start a daemon on this machine's port 25.
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
fi
trap '[ -n "$policy" ] && $SUDO rm -f "$policy"' EXIT
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
