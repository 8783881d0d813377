// Link the multi-call executable as a non-PIE binary: the relative relocations
// are then resolved at link time instead of at every start, which is a
// measurable part of a short-lived command's run time (see docs/benchmarks.md).
// A static build (crt-static) is made non-PIE by `-C relocation-model=static`
// instead: `-no-pie` would turn rustc's static-pie into a broken executable.
fn main() {
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    if !features.split(',').any(|f| f == "crt-static") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
