//! The qscheduler's POSIX shared memory, read as the files under /dev/shm:
//! `/qscheduler` (qcount, qconf) and `/queue<N>` (5 native ints).

fn ints(name: &str, n: usize) -> std::io::Result<Vec<i32>> {
    let data = std::fs::read(format!("/dev/shm/{name}"))?;
    if data.len() < n * 4 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "short shared memory segment",
        ));
    }
    Ok(data[..n * 4]
        .chunks(4)
        .map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// qmail-qread -i: one row per queue, then the totals line. `Err((exit code, message))`.
pub fn table(prog: &str) -> Result<String, (i32, String)> {
    let head = ints("qscheduler", 2).map_err(|_| {
        (
            111,
            format!("{prog}: fatal: dynamic queue disabled / qscheduler not running"),
        )
    })?;
    let (qcount, qconf) = (head[0], head[1]);
    let mut rows = Vec::new();
    for j in 1..=qcount.max(0) {
        let name = format!("queue{j}");
        let q = ints(&name, 5).map_err(|e| {
            (
                111,
                format!("{prog}: fatal: unable to open POSIX shared memory segment /{name}: {e}"),
            )
        })?;
        if q[2] == 0 || q[3] == 0 {
            let which = match (q[2] == 0, q[3] == 0) {
                (true, true) => "[local] [remote]",
                (true, false) => "[local]",
                _ => "[remote]",
            };
            eprintln!("{prog}: warn: invalid concurrency = 0 {which} for queue {name}");
            continue;
        }
        rows.push((name, q));
    }
    let min = rows.iter().map(|(_, q)| q[0] + q[1]).min().unwrap_or(0);
    let mut out = String::from("queue      local  Remote   +/- flag\n");
    let (mut lsum, mut rsum, mut load) = (0, 0, 0.0f64);
    for (name, q) in &rows {
        out += &format!(
            "{:<8} {:3}/{:<4} {:3}/{:<4} {} {}\n",
            name,
            q[0],
            q[2],
            q[1],
            q[3],
            if q[0] + q[1] == min { '-' } else { '+' },
            if q[4] == 0 { "enabled" } else { "disabled" }
        );
        lsum += q[0];
        rsum += q[1];
        load += q[0] as f64 / q[2] as f64 + q[1] as f64 / q[3] as f64;
    }
    let threshold: f64 = std::env::var("QUEUE_LOAD")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(90.0);
    let av = if qcount > 0 {
        50.0 * load / qcount as f64
    } else {
        0.0
    };
    out += &format!(
        "threshold = {threshold:<6.2}, qcount = {qcount}, qconf = {qconf}, local = {lsum}, remote = {rsum}, qload_av = {av:6.2}\n"
    );
    Ok(out)
}
