#!/bin/sh
# mkdeb.sh - build the relaycheck .deb from a `make install` tree, with dpkg tooling
#
#   sh packaging/mkdeb.sh VERSION STAGE OUTPUT.deb
#
# STAGE is the result of `make install DESTDIR=STAGE PREFIX=/usr`. This adds
# what only the package has (the /etc files, the conf.d snippet and the file
# it includes, copyright, changelog, maintainer scripts), strips the binaries,
# compresses man pages and the changelog (gzip -9n), computes Depends with
# dpkg-shlibdeps, builds with dpkg-deb and runs lintian, which must report
# no error and no warning. The package is native: its packaging lives in the
# source tree, so VERSION has no Debian revision and the changelog is
# /usr/share/doc/relaycheck/changelog.gz.
#
# Environment: DEB_MAINTAINER overrides the Maintainer field; LINTIAN=no
# skips lintian (not for releases).
set -eu

[ $# -eq 3 ] || { echo "usage: $0 VERSION STAGE OUTPUT.deb" >&2; exit 64; }
VERSION=$1
STAGE=$2
OUT=$3
PKG=packaging/deb
umask 022

die() { echo "mkdeb: $*" >&2; exit 1; }

[ -x "$STAGE/usr/sbin/relaycheck" ] && [ -f "$STAGE/usr/lib/exim4/local_scan/relaycheck.so" ] ||
    die "$STAGE is not a 'make install' tree"

# The changelog's newest entry must be this version.
clver=$(dpkg-parsechangelog -l "$PKG/changelog" -S Version)
[ "$clver" = "$VERSION" ] ||
    die "$PKG/changelog is at $clver, the Makefile at $VERSION: add a changelog entry"
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$PKG/changelog" -S Timestamp)
export SOURCE_DATE_EPOCH
MAINTAINER=${DEB_MAINTAINER:-$(dpkg-parsechangelog -l "$PKG/changelog" -S Maintainer)}
ARCH=$(dpkg --print-architecture)
APIVER=$(exim4-localscan-plugin-config --localscan-apiversion 2>/dev/null) ||
    die "exim4-localscan-plugin-config not found (install exim4-dev: make deps)"

# Binaries as dh_strip leaves them.
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
    "$STAGE/usr/lib/exim4/local_scan/relaycheck.so"
strip --remove-section=.comment --remove-section=.note "$STAGE/usr/sbin/relaycheck"

# Man pages and changelog compressed, reproducibly.
find "$STAGE/usr/share/man" -type f ! -name '*.gz' -exec gzip -9nf {} +
doc="$STAGE/usr/share/doc/relaycheck"
install -d "$doc"
install -m 0644 "$PKG/copyright" "$doc/copyright"
gzip -9nc "$PKG/changelog" > "$doc/changelog.gz"
[ ! -f "$doc/README.md" ] || gzip -9nf "$doc/README.md"

# What only the package installs.
install -D -m 0644 "$PKG/relaycheck.ini" "$STAGE/etc/exim4/relaycheck.ini"
install -D -m 0644 "$PKG/00_relaycheck" "$STAGE/etc/exim4/conf.d/main/00_relaycheck"
install -D -m 0644 "$PKG/exim4-local_scan_path.conf" \
    "$STAGE/usr/share/relaycheck/exim4-local_scan_path.conf"
if grep -qv '^#' "$PKG/lintian-overrides"; then
    install -D -m 0644 "$PKG/lintian-overrides" "$STAGE/usr/share/lintian/overrides/relaycheck"
fi

# The packaged configuration must be valid, for this very build.
"$STAGE/usr/sbin/relaycheck" --check-config "$STAGE/etc/exim4/relaycheck.ini" >/dev/null ||
    die "$PKG/relaycheck.ini is not a valid configuration"

# Depends: the local_scan ABI the exim4 daemons provide, and the shared
# libraries (dpkg-shlibdeps wants a debian/control; the module's undefined
# symbols are Exim's own, hence no "not found" warnings).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/debian"
printf 'Source: relaycheck\n\nPackage: relaycheck\nArchitecture: any\n' > "$tmp/debian/control"
stage_abs=$(cd "$STAGE" && pwd)
shlibs=$(cd "$tmp" && dpkg-shlibdeps -O --warnings=2 \
    -e"$stage_abs/usr/lib/exim4/local_scan/relaycheck.so" -e"$stage_abs/usr/sbin/relaycheck")
shlibs=${shlibs#shlibs:Depends=}
[ -n "$shlibs" ] || die "dpkg-shlibdeps found no dependencies"
# libudns, libinih and libpsl are opened by the module on first use (dlopen,
# dnscheck/lazylib.c), so no DT_NEEDED names them and dpkg-shlibdeps cannot see them:
# each dependency comes from the library's own shlibs file (its soname's current minimum;
# dpkg-shlibdeps, from the symbols files, may have settled for an older one).
for lib in "libudns0 libudns 0" "libinih1 libinih 1" "libpsl5 libpsl 5"; do
    set -- $lib
    lib_shlibs=$(dpkg-query --control-path "$1:$ARCH" shlibs 2>/dev/null ||
        dpkg-query --control-path "$1" shlibs 2>/dev/null) ||
        die "$1 is not installed (its shlibs file gives the dependency)"
    lib_dep=$(sed -n "s/^$2 $3 //p" "$lib_shlibs")
    [ -n "$lib_dep" ] || die "no $2 $3 entry in $lib_shlibs"
    shlibs="$shlibs, $lib_dep"
done

# Control area.
rm -rf "$STAGE/DEBIAN"
install -d -m 0755 "$STAGE/DEBIAN"
size=$(du -k -s --apparent-size "$STAGE" | cut -f1)
sed -e "s|@VERSION@|$VERSION|" -e "s|@ARCH@|$ARCH|" -e "s|@MAINTAINER@|$MAINTAINER|" \
    -e "s|@SIZE@|$size|" -e "s|@LOCALSCANAPI@|exim4-localscanapi-$APIVER|" \
    -e "s|@SHLIBS@|$shlibs|" "$PKG/control.in" > "$STAGE/DEBIAN/control"
install -m 0644 "$PKG/conffiles" "$STAGE/DEBIAN/conffiles"
install -m 0755 "$PKG/postinst" "$PKG/postrm" "$STAGE/DEBIAN/"
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -print |
    sed 's|^\./||' | LC_ALL=C sort | xargs md5sum) > "$STAGE/DEBIAN/md5sums"
chmod 0644 "$STAGE/DEBIAN/md5sums"

# Uniform modes: directories 0755, executables 0755, everything else 0644.
find "$STAGE" -type d -exec chmod 0755 {} +
find "$STAGE" -type f ! -path "*/DEBIAN/*" -exec chmod 0644 {} +
chmod 0755 "$STAGE/usr/sbin/relaycheck"

dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$OUT" >/dev/null
echo "mkdeb: built $OUT"
dpkg-deb --info "$OUT" | sed -n '/Package:/,$p'
dpkg-deb --contents "$OUT" | awk '{print "  " $1, $2, $6}'

if [ "${LINTIAN:-yes}" = no ]; then
    echo "mkdeb: lintian skipped (LINTIAN=no)"
    exit 0
fi
command -v lintian >/dev/null || die "lintian not installed (make deps)"
# No error and no warning (informational tags are shown); then the overrides
# with their reasons (--show-overrides alone would count them as failures).
lintian --fail-on error,warning --display-info "$OUT"
lintian --fail-on none --show-overrides "$OUT" | sed 's/^/mkdeb: lintian override: /'
echo "mkdeb: lintian: no errors, no warnings"
