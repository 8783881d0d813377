//! Domain commands: vdominfo, vdeldomain, vaddaliasdomain, vrenamedomain,
//! vmoddomain, vadddomain -t/-T; control files byte for byte, bad input,
//! all-or-nothing behaviour, and the oracle's transcripts.


use crate::common::TestEnv;
use crate::oracle;

/// The capture machine's clustered-site files (host.cntrl, hostid, hostip) so
/// that vdominfo prints its host ID / IP Addr lines as in the transcripts.
fn clustered_look(env: TestEnv) -> TestEnv {
    std::fs::write(
        env.path("etc/control/host.cntrl"),
        "localhost:indimail:ssh-1.5-:/tmp/oracle/mysql.sock\n",
    )
    .unwrap();
    std::fs::write(env.path("etc/control/hostid"), "7f0100\n").unwrap();
    std::fs::write(env.path("etc/control/hostip"), "127.0.0.1\n").unwrap();
    env
}

/// transcript.txt [14] [15] [29]: vdominfo of a domain with users in two
/// dir_control tables (the print_control dump per `.filesystems` line).
/// [20] (vdeluser bob) is not run before [29]: our vdeluser decrements the
/// dir_control user count, the original's does not (docs/COMPAT.md).
#[test]
fn transcript_first_capture_vdominfo() {
    let env = clustered_look(TestEnv::new().with_hooks());
    oracle::replay(&env, "transcript.txt", &[1, 2, 3, 4], &[14, 15, 29]);
}
