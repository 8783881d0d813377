#!/usr/bin/env bash
# Lays out the installed tree in $1 (a staging root) from a release build:
# the binary and its setuid copy, a link per applet where IndiMail installs
# it (bin or sbin; setuid applets point at the setuid copy), man pages,
# completions and the post-handle hooks. Used by build-deb.sh and build-rpm.sh.
set -euo pipefail
root=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${INDIMAIL_BIN:-$repo/target/x86_64-unknown-linux-gnu/release/indimail}
[ -x "$bin" ] || { echo "build first: cargo build --release ($bin missing)" >&2; exit 1; }
rm -rf "$root"
install -d "$root/usr/bin" "$root/usr/sbin" "$root/usr/libexec/indimail" \
	"$root/usr/share/man/man1" "$root/usr/share/man/man7" "$root/usr/share/man/man8" \
	"$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
	"$root/usr/share/fish/vendor_completions.d" "$root/usr/share/doc/indimail-rs"
install -m 0755 "$bin" "$root/usr/bin/indimail"
# The setuid copy serves only the applets IndiMail installs setuid and refuses the rest.
install -m 4755 "$bin" "$root/usr/sbin/indimail-suid"
"$bin" --list-table | while read -r name dir setuid section; do
	case "$dir/$setuid" in
	bin/1) target=../sbin/indimail-suid ;;
	bin/0) target=indimail ;;
	sbin/1) target=indimail-suid ;;
	sbin/0) target=../bin/indimail ;;
	*) continue ;;
	esac
	ln -s "$target" "$root/usr/$dir/$name"
done
install -m 0755 "$repo"/packaging/libexec/indimail/* "$root/usr/libexec/indimail/"
for page in "$repo"/man/*.[178]; do
	sec=${page##*.}
	gzip -9n -c "$page" > "$root/usr/share/man/man$sec/$(basename "$page").gz"
done
cp "$repo"/completions/bash/* "$root/usr/share/bash-completion/completions/"
cp "$repo"/completions/zsh/* "$root/usr/share/zsh/vendor-completions/"
cp "$repo"/completions/fish/* "$root/usr/share/fish/vendor_completions.d/"
cp "$repo/README.md" "$repo/docs/COMPAT.md" "$root/usr/share/doc/indimail-rs/"
# Service definitions: installed, never enabled by the package.
install -D -m 0644 "$repo/packaging/service/indimail-inlookup.service" "$root/usr/lib/systemd/system/indimail-inlookup.service"
install -D -m 0755 "$repo/packaging/service/inlookup/run" "$root/usr/share/indimail-rs/service/inlookup/run"
# For authors of qmail-smtpd SMTP plugins (plugtest loads them).
install -D -m 0644 "$repo/packaging/include/smtp_plugin.h" "$root/usr/share/indimail-rs/include/smtp_plugin.h"
install -D -m 0644 "$repo/packaging/service/indimail-indisrvr.service" "$root/usr/lib/systemd/system/indimail-indisrvr.service"
install -D -m 0755 "$repo/packaging/service/indisrvr/run" "$root/usr/share/indimail-rs/service/indisrvr/run"
