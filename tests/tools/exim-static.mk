# Local/Makefile of the upstream Exim that `make exim-static` builds to test
# the static build (tests/tools/exim-static.py writes it; @BUILD@ becomes the
# absolute path of build/exim-static). It is written for tests, not for a
# mail server: Exim runs from the build tree with -C as root and never installs.
# The site part comes first; then exim-conf-examples/Local-Makefile.snippet,
# verbatim, so the documented lines are the tested lines; then the two paths
# the snippet asks for, set for this tree.

BIN_DIRECTORY=@BUILD@
CONFIGURE_FILE=@BUILD@/configure
SPOOL_DIRECTORY=@BUILD@/spool
LOG_FILE_PATH=@BUILD@/log/%slog
EXIM_USER=ref:Debian-exim
FIXED_NEVER_USERS=root

CFLAGS=-O2 -g -D_FILE_OFFSET_BITS=64 -D_LARGEFILE_SOURCE

# What the e2e tests use, and little else: a quicker build.
ROUTER_ACCEPT=yes
ROUTER_DNSLOOKUP=yes
ROUTER_MANUALROUTE=yes
ROUTER_REDIRECT=yes
TRANSPORT_APPENDFILE=yes
TRANSPORT_PIPE=yes
TRANSPORT_SMTP=yes
LOOKUP_DBM=yes
LOOKUP_LSEARCH=yes
PCRE2_CONFIG=yes
DISABLE_TLS=yes
HEADERS_CHARSET="ISO-8859-1"
SYSTEM_ALIASES_FILE=/etc/aliases
EXIM_TMPDIR="/tmp"
COMPRESS_COMMAND=/usr/bin/gzip
COMPRESS_SUFFIX=gz
ZCAT_COMMAND=/usr/bin/zcat

# The clash tests: Exim's own SPF support (globals spf_server, spf_request,
# spf_response ... in src/spf.c) and every symbol of the binary in its dynamic
# symbol table, as Exim's EDITME asks for ${dlfunc} and dynamic lookups. Exim
# defines its own dns_init() too; the module must not bind to any of them.
SUPPORT_SPF=yes
LDFLAGS += -lspf2
EXTRALIBS=-Wl,--export-dynamic

# ${dlfunc}: the ACL entry point relaycheck_acl of build/relaycheck.so (test_acl).
EXPAND_DLFUNC=yes

@SNIPPET@

# This tree: Exim's source is build/exim-static/src/exim-<version>, four levels
# below the relaycheck tree, and Exim links in its build-<os>-<arch> directory.
RELAYCHECK_SRC=../../../..
RELAYCHECK_LIB=@LIB@
