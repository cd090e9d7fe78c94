#!/bin/sh
# build_variants.sh - the experimental modules of issue 16 (BENCHMARKS.md, "Per-connection
# cost"), each differing from build/relaycheck.so in one way, into build/exp/:
#
#   lazy         -z lazy instead of -z now (RELRO kept)
#   symbolic     -Bsymbolic
#   noasneeded   without --as-needed
#   noversion    without the version script (every rc_ name hidden by -fvisibility only)
#   neededlibs   libudns, libinih and libpsl named to the dynamic linker again (DT_NEEDED),
#                as before issue 16: Exim's RTLD_NOW load binds them, and lazylib.c's
#                dlopen() finds them loaded
#   lazyspf      libspf2's functions found on first use in libspf2's scope (bench/lazyspf_proto.c)
#
# Then: bench/run.py --only load --load-variants lazy=build/exp/lazy.so,... (prints them all).
# Run from the top of the tree after `make`; CC and the objects are the plain build's.
set -eu
CC=${CC:-cc}
B=build
OBJS="$B/obj/local_scan/relaycheck.o $B/librelaycheck.a"
MAP="-Wl,--version-script=local_scan/exports.map"
LIBS="-lspf2"
mkdir -p $B/exp
link() {
    out=$1; shift
    $CC -shared -o "$B/exp/$out.so" "$@"
}
link lazy $OBJS $MAP -Wl,-z,relro,-z,lazy -Wl,--as-needed $LIBS
link symbolic $OBJS $MAP -Wl,-z,relro,-z,now -Wl,-Bsymbolic -Wl,--as-needed $LIBS
link noasneeded $OBJS $MAP -Wl,-z,relro,-z,now $LIBS
link noversion $OBJS -Wl,-z,relro,-z,now -Wl,--as-needed $LIBS
link neededlibs $OBJS $MAP -Wl,-z,relro,-z,now -Wl,--no-as-needed -ludns -linih -lpsl \
    -Wl,--as-needed $LIBS
$CC -std=c11 -D_GNU_SOURCE -O2 -fPIC -fvisibility=hidden -c -o $B/exp/lazyspf_proto.o \
    bench/lazyspf_proto.c
link lazyspf $OBJS $B/exp/lazyspf_proto.o $MAP -Wl,-z,relro,-z,now -Wl,--as-needed $LIBS
v=""
for f in lazy symbolic noasneeded noversion neededlibs lazyspf; do
    echo "$f: NEEDED $(readelf -d $B/exp/$f.so | grep -c NEEDED), undefined" \
	"$(nm -D --undefined-only $B/exp/$f.so | wc -l), $(readelf -d $B/exp/$f.so | grep -c 'FLAGS.*NOW') NOW flags"
    v="$v${v:+,}$f=$B/exp/$f.so"
done
echo "--load-variants $v"
