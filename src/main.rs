//! Multi-call entry point: the applet is the basename of `argv[0]`
//! (`/usr/bin/vadduser` → vadduser), or the first argument when called as
//! `indimail` (`indimail vadduser ...`). See `indimail::launcher`.
//!
//! The C `main` is ours, not std's wrapper: std's runtime set-up reads
//! /proc/self/maps to find the main thread's stack and maps an alternate
//! signal stack for stack-overflow reports, some twenty system calls that a
//! command finishing in a millisecond or two notices. `sys::process_start`
//! does what of it matters; a stack overflow is a plain SIGSEGV.

#![cfg_attr(not(test), no_main)]

#[cfg(not(test))]
#[no_mangle]
pub extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    indimail::sys::process_start();
    // std collects the arguments itself on glibc, before `main` runs.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // A panic has printed its message; exit as std's own `main` would (101)
    // instead of unwinding into C.
    let code = std::panic::catch_unwind(|| indimail::launcher::main(args)).unwrap_or(101);
    std::process::exit(code);
}
