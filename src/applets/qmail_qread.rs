//! qmail-qread: list (and with -c count) the messages in every queue.

use std::io::Write;
use std::path::Path;

use super::{Applet, Ctx};
use crate::cli::getopt::{self, OptSpec};
use crate::cli::{AppletError, AppletResult};
use crate::fail;
use crate::queue::{self, Message};

const P: &str = "qmail-qread";
const USAGE: &str = "qmail-read [-calrt]
\t-a - Display local, remote and todo Queues
\t-c - Display Counts
\t-l - Display local  Queue
\t-r - Display remote Queue
\t-i - Display queue counts, concurrencies queue load
";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('c', "print counts per queue and in total"),
    OptSpec::flag('a', "local, remote and todo (and -i when qscheduler runs)"),
    OptSpec::flag('l', "list the local channel"),
    OptSpec::flag('r', "list the remote channel"),
    OptSpec::flag('s', "silent: no per-message listing"),
    OptSpec::flag('t', "also list todo/"),
    OptSpec::flag('i', "show per-queue concurrency and load"),
];

pub const APPLET: Applet = Applet {
    name: P,
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "list and count queued messages",
    synopsis: "[-a] [-l] [-r] [-t] [-c] [-s] [-i]",
    options: OPTIONS,
    run,
};

#[derive(Default, Clone, Copy)]
struct Counts {
    local: u64,
    remote: u64,
    bounce: u64,
    todo: u64,
}

struct Opts {
    local: bool,
    remote: bool,
    todo: bool,
    count: bool,
    silent: bool,
}

fn fatal(msg: String) -> AppletError {
    AppletError::new(111, format!("{P}: fatal: {msg}"))
}

fn print_counts(o: &mut Vec<u8>, pre: &str, c: &Counts, opts: &Opts) {
    if opts.local {
        o.extend(format!("{pre}Messages in local  queue: {}\n", c.local).bytes());
    }
    if opts.remote {
        o.extend(format!("{pre}Messages in remote queue: {}\n", c.remote).bytes());
    }
    o.extend(format!("{pre}Messages in bounce queue: {}\n", c.bounce).bytes());
    if opts.todo {
        o.extend(format!("{pre}Messages in todo   queue: {}\n", c.todo).bytes());
    }
}

fn list_dir(dir: &Path) -> Result<Vec<String>, AppletError> {
    queue::list(dir).map_err(|e| fatal(format!("unable to opendir {}: {e}", dir.display())))
}

fn one_queue(q: &Path, opts: &Opts, o: &mut Vec<u8>, c: &mut Counts) -> Result<(), AppletError> {
    let split = queue::split();
    for s in 0..split {
        let sub = s.to_string();
        for id in list_dir(&q.join("info").join(&sub))? {
            let size = match queue::size_of(&q.join("mess").join(&sub).join(&id)) {
                Ok(n) => n,
                Err(e) => {
                    eprintln!("{P}: warn: trouble with #{id}: {e}");
                    continue;
                }
            };
            let bouncing = q.join("bounce").join(&id).exists();
            if bouncing {
                c.bounce += 1;
            }
            let info = q.join("info").join(&sub).join(&id);
            let data = std::fs::read(&info).unwrap_or_default();
            let sender = data.split(|&b| b == 0).next().unwrap_or(&[]);
            let m = Message {
                split: sub.clone(),
                id: id.clone(),
                size,
                mtime: queue::mtime_of(&info).unwrap_or(0),
                sender: sender.strip_prefix(b"F").unwrap_or(sender).to_vec(),
                bouncing,
            };
            let mut shown = false;
            for (chan, on) in [("local", opts.local), ("remote", opts.remote)] {
                if !on {
                    continue;
                }
                let Ok(data) = std::fs::read(q.join(chan).join(&sub).join(&id)) else {
                    continue;
                };
                for r in queue::records(&data) {
                    let done = r[0] == b'D';
                    if r[0] != b'T' && !done {
                        continue;
                    }
                    if !opts.silent {
                        if !shown {
                            o.extend(queue::stats_line(&m));
                            o.push(b'\n');
                            shown = true;
                        }
                        if done {
                            o.extend_from_slice(b"  done");
                        }
                        o.extend(format!("\t{chan}\t").bytes());
                        o.extend(
                            r[1..]
                                .iter()
                                .map(|&b| if (32..=126).contains(&b) { b } else { b'_' }),
                        );
                        o.push(b'\n');
                    }
                    if chan == "local" {
                        c.local += 1;
                    } else {
                        c.remote += 1;
                    }
                }
            }
        }
    }
    if opts.todo || opts.count {
        let big = queue::bigtodo();
        let subs: Vec<Option<String>> = if big {
            (0..split).map(|s| Some(s.to_string())).collect()
        } else {
            vec![None]
        };
        for sub in subs {
            let dir = match &sub {
                Some(s) => q.join("todo").join(s),
                None => q.join("todo"),
            };
            for id in list_dir(&dir)? {
                let Ok(n) = id.parse::<u64>() else { continue };
                let msplit = (n % split).to_string();
                let size = match queue::size_of(&q.join("mess").join(&msplit).join(&id)) {
                    Ok(n) => n,
                    Err(e) => {
                        eprintln!("{P}: warn: trouble with #{id}: {e}");
                        continue;
                    }
                };
                let path = dir.join(&id);
                let data = std::fs::read(&path).unwrap_or_default();
                let mut recs = queue::records(&data).skip_while(|r| r[0] != b'F');
                let sender = recs.next().map_or(&[][..], |r| &r[1..]);
                let m = Message {
                    split: sub.clone().unwrap_or_else(|| id.clone()),
                    id: id.clone(),
                    size,
                    mtime: queue::mtime_of(&path).unwrap_or(0),
                    sender: sender.to_vec(),
                    bouncing: false,
                };
                let mut shown = false;
                for r in recs.filter(|r| r[0] == b'T') {
                    if opts.todo && !opts.silent {
                        if !shown {
                            o.extend(queue::stats_line(&m));
                            o.push(b'\n');
                            shown = true;
                        }
                        o.extend_from_slice(b"\ttodo\t");
                        o.extend(
                            r[1..]
                                .iter()
                                .map(|&b| if (32..=126).contains(&b) { b } else { b'_' }),
                        );
                        o.push(b'\n');
                    }
                    c.todo += 1;
                }
            }
        }
    }
    Ok(())
}

fn run(_ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = match getopt::parse(OPTIONS, args) {
        Ok(p) if p.operands.is_empty() => p,
        _ => {
            print!("{USAGE}");
            return Ok(1);
        }
    };
    let (mut local, mut remote, mut todo) = (p.has("l"), p.has("r"), p.has("t"));
    let mut info = p.has("i");
    let shm = Path::new("/dev/shm/qscheduler").exists();
    if p.has("a") {
        (local, remote, todo) = (true, true, true);
        info |= shm;
    }
    if p.has("i") && !shm {
        fail!(100, "{P}: fatal: dynamic queue not configured");
    }
    if !local && !remote && !todo && !info {
        (local, remote) = (true, true);
    }
    let opts = Opts {
        local,
        remote,
        todo,
        count: p.has("c"),
        silent: p.has("s"),
    };
    for w in queue::preload_environment(P).map_err(|m| AppletError::new(111, m))? {
        eprintln!("{w}");
    }
    let base = queue::queue_base().map_err(|e| fatal(format!("unable to read queue_base: {e}")))?;
    let queues = queue::queues(&base)
        .map_err(|(p, e)| fatal(format!("unable to access {}: {e}", p.display())))?;
    let mut total = Counts::default();
    let mut stdout = std::io::stdout().lock();
    for q in queues {
        let mut o = format!("processing queue {}\n", q.display()).into_bytes();
        let mut c = Counts::default();
        one_queue(&q, &opts, &mut o, &mut c)?;
        if opts.count {
            print_counts(&mut o, "", &c, &opts);
        }
        o.push(b'\n');
        total.local += c.local;
        total.remote += c.remote;
        total.bounce += c.bounce;
        total.todo += c.todo;
        stdout
            .write_all(&o)
            .map_err(|e| fatal(format!("unable to write: {e}")))?;
    }
    let mut o = Vec::new();
    if opts.count {
        print_counts(&mut o, "Total ", &total, &opts);
    }
    if info && std::env::var_os("DYNAMIC_QUEUE").is_some() {
        o.extend(
            queue::shm::table(P)
                .map_err(|(c, m)| AppletError::new(c, m))?
                .into_bytes(),
        );
    }
    stdout
        .write_all(&o)
        .and_then(|()| stdout.flush())
        .map_err(|e| fatal(format!("unable to write: {e}")))?;
    Ok(0)
}
