#!/usr/bin/env bash
# Builds target/indimail-rs_<version>_<arch>.deb with dpkg-deb from the staged
# tree (see stage.sh). Version from Cargo.toml.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -1)
arch=$(dpkg --print-architecture)
root=$repo/target/deb-root
bash "$repo/packaging/stage.sh" "$root"
install -d "$root/DEBIAN"
size=$(du -sk "$root/usr" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
	"$repo/packaging/deb/control" > "$root/DEBIAN/control"
install -m 0755 "$repo/packaging/deb/postinst" "$repo/packaging/deb/postrm" "$root/DEBIAN/"
out=$repo/target/indimail-rs_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zgzip --build "$root" "$out" >/dev/null
echo "$out"
