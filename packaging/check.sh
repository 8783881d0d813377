#!/usr/bin/env bash
# Builds the DEB and the RPM, checks that every applet link, man page and
# completion is in both, installs the DEB into a throwaway root (dpkg --root),
# runs an applet through its installed link, and removes the package again.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cargo build --release --locked --quiet
deb=$(bash packaging/build-deb.sh)
rpm=$(bash packaging/build-rpm.sh)
bin=target/x86_64-unknown-linux-gnu/release/indimail
debl=$(mktemp); rpml=$(mktemp)
trap 'rm -f "$debl" "$rpml"' EXIT
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' > "$debl"
rpm -qlp "$rpm" > "$rpml"
missing=0
while read -r name dir setuid section; do
	for want in "/usr/$dir/$name" "/usr/share/man/man$section/$name.$section.gz" \
		"/usr/share/bash-completion/completions/$name" "/usr/share/zsh/vendor-completions/_$name" \
		"/usr/share/fish/vendor_completions.d/$name.fish"; do
		for list in "$debl" "$rpml"; do
			grep -qx "$want" "$list" || { echo "missing in $(basename "$list"): $want" >&2; missing=1; }
		done
	done
done < <("$bin" --list-table)
for want in /usr/share/man/man7/indimail.7.gz /usr/lib/systemd/system/indimail-inlookup.service \
	/usr/share/indimail-rs/service/inlookup/run /usr/share/indimail-rs/include/smtp_plugin.h /usr/lib/systemd/system/indimail-indisrvr.service \
	/usr/share/indimail-rs/service/indisrvr/run; do
	for list in "$debl" "$rpml"; do
		grep -qx "$want" "$list" || { echo "missing in $(basename "$list"): $want" >&2; missing=1; }
	done
done
[ "$missing" -eq 0 ]

# Install into a throwaway root; maintainer scripts run outside a chroot with DPKG_ROOT set.
root=$(mktemp -d /tmp/indimail-dpkg-root.XXXXXX)
trap 'rm -f "$debl" "$rpml"; rm -rf "$root"' EXIT
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
touch "$root/var/lib/dpkg/status"
cp /etc/passwd /etc/group "$root/etc/"
for f in shadow gshadow; do [ -e /etc/$f ] && cp /etc/$f "$root/etc/"; done
sed -i '/^indimail:/d' "$root/etc/passwd" "$root/etc/group"
dpkg --root="$root" --force-script-chrootless --force-not-root --force-depends -i "$deb" >/dev/null 2>&1
grep -q '^indimail:' "$root/etc/passwd" || { echo "postinst did not create the indimail user" >&2; exit 1; }
test -u "$root/usr/sbin/indimail-suid"
[ "$(readlink "$root/usr/bin/vadduser")" = ../sbin/indimail-suid ]
"$root/usr/bin/vpasswd" --version | grep '^vpasswd (indimail-rs)' >/dev/null
out=$("$root/usr/bin/vuserinfo" 2>&1 || true)
case "$out" in "vuserinfo: warning: usage: vuserinfo"*) ;; *) echo "installed vuserinfo: $out" >&2; exit 1 ;; esac
if command -v man >/dev/null; then
	MANPAGER=cat man -l "$root/usr/share/man/man1/vadduser.1.gz" 2>/dev/null | grep -q "add a user to a virtual domain"
fi
dpkg --root="$root" --force-script-chrootless --force-not-root --force-depends -r indimail-rs >/dev/null 2>&1
[ ! -e "$root/usr/bin/vadduser" ] && [ ! -e "$root/usr/bin/indimail" ] || { echo "links left after removal" >&2; exit 1; }
echo "packages ok: $(basename "$deb") $(basename "$rpm")"
