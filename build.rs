// Link the multi-call executable as a non-PIE binary: the relative relocations
// are then resolved at link time instead of at every start, which is a
// measurable part of a short-lived command's run time (see docs/benchmarks.md).
fn main() {
    println!("cargo:rustc-link-arg-bins=-no-pie");
}
