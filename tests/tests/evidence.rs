//! Evidence packages against a real Synapse: an admin warns a member and removes their
//! message (evidence first), exports the case and the group's month, and each package verifies
//! with its own `verify.py` (the system `python3`, standard library only) and with
//! `qg evidence verify`; one byte changed in a case file, in the evidence or in the report
//! fails both (the script non-zero, `qg` exit 6).

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use qunguan_testkit::{Client, Synapse, TestUser};
use qunguan_tests::console::{Console, PASSWORD, create_group, unique};
use qunguan_tests::{RUNTIME, require_keyring};
use serde_json::Value;

fn synapse() -> &'static Synapse {
    static SYNAPSE: OnceLock<Synapse> = OnceLock::new();
    SYNAPSE.get_or_init(|| RUNTIME.block_on(Synapse::start()).expect("start Synapse (run `cargo xtask setup` first)"))
}

fn user(prefix: &str) -> TestUser {
    RUNTIME.block_on(synapse().register(&unique(prefix), PASSWORD, false)).expect("register")
}

/// `python3 DIR/verify.py`: exit code and what it printed.
fn script(dir: &Path) -> (i32, String) {
    let out = Command::new("python3")
        .arg(dir.join("verify.py"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run the system python3");
    (
        out.status.code().unwrap_or(-1),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// The one file under `dir/sub`.
fn only_file(dir: &Path, sub: &str) -> std::path::PathBuf {
    let files: Vec<_> = std::fs::read_dir(dir.join(sub)).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "one file in {sub}: {files:?}");
    files[0].clone()
}

/// Both checkers pass `dir`.
fn assert_intact(c: &Console, dir: &Path) {
    let (code, said) = script(dir);
    assert_eq!(code, 0, "the package's own verify.py passes it: {said}");
    assert!(said.contains("OK: the package is intact"), "{said}");
    let r = c.run(&["evidence", "verify", dir.to_str().unwrap(), "--json"]);
    assert_eq!(r.code, 0, "qg evidence verify passes it: {r:#?}");
    assert_eq!(r.json()["ok"], true);
}

#[test]
fn an_exported_package_verifies_with_its_own_script_and_one_changed_byte_fails_it() {
    require_keyring();
    let s = synapse();
    let (owner, member) = (user("owner"), user("member"));
    let room = create_group(&s.base_url, &owner, &[], &[&member], "evidence");
    let spammer = Client::new(&s.base_url, &member.access_token);
    let event = RUNTIME
        .block_on(async {
            spammer.send_text(&room, "大家好").await?;
            let e = spammer.send_text(&room, "<b>加微信</b> 13812345678 免费领取").await?;
            spammer.send_text(&room, "bye").await?;
            anyhow::Ok(e)
        })
        .unwrap();
    let c = Console::sign_in(&s.base_url, &owner);
    let warn = c.act(&["warn", &room, &member.user_id, "--reason", "广告 \"第一次\"", "--rule", "R2"]);
    assert_eq!(warn.status, "done", "{warn:#?}");
    let removed = c.act(&["remove", &room, &event, "--reason", "广告 <script>"]);
    assert_eq!(removed.status, "done", "{removed:#?}");
    let case = c.case(&removed.case_id);
    assert!(case["evidence_hash"].is_string(), "evidence sealed before the removal: {case}");

    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("case");
    let r = c.run(&["evidence", "export", &removed.case_id, "--out", dir.to_str().unwrap(), "--lang", "zh", "--json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let summary = r.json();
    assert_eq!((summary["cases"].as_u64(), summary["evidence"].as_u64()), (Some(1), Some(1)), "{summary:#}");
    let m: Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!((m["group"].as_str(), m["exported_by"].as_str()), (Some(room.as_str()), Some(owner.user_id.as_str())));
    let positions = m["chains"][0]["positions"].as_array().unwrap();
    assert_eq!(positions[0]["hash"], case["hash"], "the decision's hash, as qg cases shows it: {m:#}");
    assert_eq!(positions[0]["prev_hash"], case["prev_hash"]);
    assert!(m["chains"][0]["announced"]["count"].as_u64().is_some(), "the head announced in the room: {m:#}");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("如何核验") && html.contains("删除消息"), "the report in Chinese");
    assert!(!html.contains("<b>加微信") && html.contains("&lt;b&gt;加微信"), "message text escaped");
    assert!(!html.contains("13812345678") && html.contains("138****5678"), "personal data masked in the report");
    assert!(
        std::fs::read_to_string(only_file(&dir, "evidence")).unwrap().contains("13812345678"),
        "evidence as sealed"
    );
    assert_intact(&c, &dir);

    // The month: both cases, mine, in the same chain.
    let month = &case["created_at"].as_str().unwrap()[..7];
    let mdir = out.path().join("month");
    let r =
        c.run(&["evidence", "export", "--group", &room, "--month", month, "--out", mdir.to_str().unwrap(), "--json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!((r.json()["cases"].as_u64(), r.json()["records"].as_u64()), (Some(2), Some(4)), "{r:#?}");
    assert!(
        std::fs::read_to_string(mdir.join("report.html")).unwrap().contains("How to verify"),
        "LANG decides: English"
    );
    assert_intact(&c, &mdir);

    // One byte changed, in a case file, in the evidence, in the report: both checkers fail it.
    for (what, file) in [
        ("a case file", dir.join(positions[0]["file"].as_str().unwrap())),
        ("the evidence", only_file(&dir, "evidence")),
        ("the report", dir.join("report.html")),
    ] {
        let copy = tempfile::tempdir().unwrap();
        copy_dir(&dir, copy.path());
        let target = copy.path().join(file.strip_prefix(&dir).unwrap());
        let mut bytes = std::fs::read(&target).unwrap();
        let at = bytes.iter().position(|b| b.is_ascii_alphabetic()).unwrap() + 1;
        bytes[at] ^= 0x01;
        std::fs::write(&target, bytes).unwrap();
        let (code, said) = script(copy.path());
        assert_ne!(code, 0, "{what}: verify.py fails it: {said}");
        assert!(said.contains("FAIL checksum"), "{what}: {said}");
        let r = c.run(&["evidence", "verify", copy.path().to_str().unwrap()]);
        assert_eq!(r.code, 6, "{what}: qg evidence verify exits 6: {r:#?}");
    }
}
