// Link the multi-call executable as a non-PIE binary: the relative relocations
// are then resolved at link time instead of at every start, which is a
// measurable part of a short-lived command's run time (see docs/benchmarks.md).
// A static build (crt-static) is made non-PIE by `-C relocation-model=static`
// instead: `-no-pie` would turn rustc's static-pie into a broken executable.
//
// With LLD (rustc's default linker for x86_64-unknown-linux-gnu since 1.90),
// the functions that short commands run are laid out next to each other, in
// the order of `packaging/link-order.txt` (made by `packaging/link-order.sh`).
// A command then maps a few hundred KB of the executable instead of touching
// 64 KB windows all over its 6 MB of code: the page faults and page-table work
// of the mapping were a third of a `vuserinfo` run (docs/benchmarks.md). A name
// in the file that no longer exists is skipped, so a stale file only orders
// less; INDIMAIL_LINK_ORDER=0 turns it off.
use std::path::Path;
use std::process::Command;

const ORDER_FILE: &str = "packaging/link-order.txt";

fn main() {
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    if !features.split(',').any(|f| f == "crt-static") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }

    println!("cargo:rerun-if-changed={ORDER_FILE}");
    for var in [
        "INDIMAIL_LINK_ORDER",
        "INDIMAIL_LINK_MAP",
        "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    if !links_with_default_lld() {
        return;
    }
    let order = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join(ORDER_FILE);
    if std::env::var("INDIMAIL_LINK_ORDER").as_deref() != Ok("0") && order.is_file() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
    // The linker's map of the executable, for packaging/link-order.sh.
    if let Ok(map) = std::env::var("INDIMAIL_LINK_MAP") {
        println!("cargo:rustc-link-arg-bins=-Wl,-Map={map}");
    }
}

/// True when the executable is linked by rustc's own LLD: the target whose
/// default it is, a rustc new enough, and no linker chosen by the builder
/// (GNU ld would refuse LLD's options).
fn links_with_default_lld() -> bool {
    if std::env::var("TARGET").as_deref() != Ok("x86_64-unknown-linux-gnu")
        || std::env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_some()
    {
        return false;
    }
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if flags.contains("linker") || flags.contains("fuse-ld") {
        return false;
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(out) = Command::new(rustc).arg("-vV").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let release = text
        .lines()
        .find_map(|l| l.strip_prefix("release: "))
        .unwrap_or("");
    let mut parts = release
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (1, 90)
}
