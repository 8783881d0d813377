#!/usr/bin/env bash
# Throughput and memory of the 822 helpers (issue #9) on generated 100 MB messages:
#   A: a 30-line header and a 100 MB body  (822body, 822header, 822headerok)
#   B: a 100 MB header of 2.8 M fields      (822header, 822header -X, 822field)
# Time with hyperfine (stdin redirected from a file, stdout to /dev/null), peak RSS with GNU time -v.
#
#   bash benches/rfc822.sh [size_mb]      (default 100)
#
# Needs hyperfine and GNU time (apt-get install hyperfine time).
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-100}
command -v hyperfine >/dev/null || { echo "install hyperfine: apt-get install hyperfine" >&2; exit 1; }
cargo build --release --locked --quiet
bin=$PWD/target/x86_64-unknown-linux-gnu/release/indimail
t=$(mktemp -d /tmp/indimail-bench822.XXXXXX)
trap 'rm -rf "$t"' EXIT
mkdir "$t/bin"
"$bin" install-links "$t/bin"
export PATH="$t/bin:$PATH" SYSCONFDIR="$t"

set +o pipefail # yes | head ends with SIGPIPE
# A: short header, big body (lines of 76 bytes)
{
	for i in $(seq 1 10); do
		printf 'Received: from host%d.example.com (host%d.example.com [192.0.2.%d])\n\tby mx.example.org with ESMTP id %d; Thu, 29 Aug 1996 14:04:52 -0400\n' "$i" "$i" "$i" "$i"
	done
	printf 'From: Joe <joe@example.com>\nTo: bob@example.org\nSubject: a big one\n\tfolded\nDate: Thu, 29 Aug 1996 14:04:52 -0400\n\n'
	yes 'abcdefghijklmnopqrstuvwxyz0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789' | head -c $((MB * 1048576))
} >"$t/a.eml"
# B: a header of MB megabytes (X-Field-N lines, every fourth one folded), tiny body
{
	yes 'X-Field: some header text of moderate length here
X-Other: more text
 continued on a folded line
Subject: hello' | head -c $((MB * 1048576))
	printf 'Subject: end\n\nbody\n'
} >"$t/b.eml"
set -o pipefail
sa=$(stat -c %s "$t/a.eml")
sb=$(stat -c %s "$t/b.eml")

echo "## machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "## A: $sa bytes (30-line header, big body); B: $sb bytes (big header)"
echo
echo "## time (hyperfine, ms; stdin from the file, stdout to /dev/null)"
hyperfine -N --warmup 2 --min-runs 10 --style basic --export-markdown "$t/h.md" \
	-n 'cat A' "sh -c 'cat <$t/a.eml >/dev/null'" \
	-n '822body A' "sh -c '822body <$t/a.eml >/dev/null'" \
	-n '822header A' "sh -c '822header <$t/a.eml >/dev/null'" \
	-n '822headerok A' "sh -c '822headerok <$t/a.eml'" \
	-n '822header B' "sh -c '822header <$t/b.eml >/dev/null'" \
	-n '822header -X subject B' "sh -c '822header -X subject <$t/b.eml >/dev/null'" \
	-n '822field subject B' "sh -c '822field subject <$t/b.eml >/dev/null'" \
	-n '822body A (pipe in)' "sh -c 'cat $t/a.eml | 822body >/dev/null'" \
	>/dev/null
cat "$t/h.md"
echo
echo "## throughput (MB/s = input size / mean time)"
python3 - "$t/h.md" "$sa" "$sb" <<'PY'
import sys, re
md, sa, sb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for line in open(md):
    m = re.match(r"\| `([^`]*)` \| ([\d.]+) ", line)
    if m:
        name, ms = m.group(1), float(m.group(2))
        size = sa if " A" in name else sb
        print(f"| {name} | {size / 1048576 / (ms / 1000):.0f} MB/s |")
PY
echo
echo "## peak RSS (GNU time -v, kB)"
rss() { /usr/bin/time -v sh -c "$1" 2>&1 >/dev/null | awk -v n="$2" '/Maximum resident/ {print "| " n " | " $6 " |"}'; }
echo "| command | max RSS kB |"
echo "|---|---|"
rss "822body <$t/a.eml >/dev/null" "822body A"
rss "822header <$t/a.eml >/dev/null" "822header A"
rss "822header <$t/b.eml >/dev/null" "822header B"
rss "822header -X subject <$t/b.eml >/dev/null" "822header -X subject B"
rss "822field subject <$t/b.eml >/dev/null" "822field subject B"
rss "cat $t/a.eml | 822body >/dev/null" "822body A (pipe in)"
