//! Multi-call entry point: the applet is the basename of `argv[0]`
//! (`/usr/bin/vadduser` → vadduser), or the first argument when called as
//! `indimail` (`indimail vadduser ...`). See `indimail::launcher`.

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let code = indimail::launcher::main(args);
    std::process::exit(code);
}
