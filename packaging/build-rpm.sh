#!/usr/bin/env bash
# Builds target/rpm/RPMS/<arch>/indimail-rs-<version>-1.<arch>.rpm with rpmbuild
# (Debian package `rpm`) from the staged tree. Version from Cargo.toml.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -1)
stage=$repo/target/rpm-root
bash "$repo/packaging/stage.sh" "$stage"
top=$repo/target/rpm
rm -rf "$top"
mkdir -p "$top"
rpmbuild -bb --quiet --define "_topdir $top" --define "pkg_version $version" --define "staged $stage" \
	--define "__os_install_post %{nil}" --define "_build_id_links none" --nodeps \
	"$repo/packaging/rpm/indimail-rs.spec" >/dev/null
find "$top/RPMS" -name '*.rpm'
