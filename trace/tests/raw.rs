//! The raw format round-trips: events, texts, sites with what they access, and recorded
//! accesses (a range with its length) come back from the reader as written, merged by `seq`,
//! with an access's offset added to its address; a trace cut short is still readable and says
//! so; another file is refused with a message.

use wthreads::abi;
use wthreads_trace::raw::{Writer, encode_accesses};
use wthreads_trace::reader::Trace;
use wthreads_trace::{Access, Event, Site};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("raw");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn event(seq: u64, kind: i32, a: u32) -> Event {
    Event { seq, ts_ns: seq * 10, kind, a, b: 2, c: -1, site: 0, text: 0 }
}

#[test]
fn events_accesses_sites_and_texts_round_trip() {
    let path = scratch("round_trip.wtrace");
    let mut w = Writer::create(&path).unwrap();
    let read = Access { write: false, atomic: false, width: 4, offset: 8, range: false };
    let fill = Access { write: true, atomic: false, width: 0, offset: 0, range: true };
    let sites = vec![
        Site { func: 3, name: Some("main".into()), offset: 0x40, access: None },
        Site { func: 4, name: None, offset: 0x50, access: Some(read) },
        Site { func: 4, name: None, offset: 0x58, access: Some(fill) },
    ];
    w.sites(&sites).unwrap();
    w.text(1, "worker").unwrap();
    let spawn = Event { text: 1, ..event(0, abi::THREAD_SPAWN, 2) };
    let mut items = Vec::new();
    spawn.encode(&mut items);
    // Two accesses before thread 1's next event: a read at 0x100 (+8) and a fill of 32 bytes.
    let slots: Vec<u8> = [1u32, 0x100, 2, 0x200, 32, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
    encode_accesses(2, 15, &slots, &mut items);
    event(2, abi::LOCK_ACQUIRED, 0x300).encode(&mut items);
    w.thread(1, &items).unwrap();
    w.events(2, &[event(1, abi::THREAD_START, 1)]).unwrap();
    w.finish().unwrap();

    let t = Trace::open(&path).unwrap();
    assert!(t.complete);
    assert_eq!(t.sites, sites);
    assert_eq!(t.text(1), Some("worker"));
    let got: Vec<(i32, u64, i32, u32, u32)> = t.merged().map(|(tid, e)| (tid, e.seq, e.kind, e.a, e.b)).collect();
    assert_eq!(
        got,
        vec![
            (1, 0, abi::THREAD_SPAWN, 2, 2),
            (2, 1, abi::THREAD_START, 1, 2),
            (1, 2, abi::MEMORY_ACCESS, 0x108, 4),
            (1, 2, abi::MEMORY_ACCESS, 0x200, 32),
            (1, 2, abi::LOCK_ACQUIRED, 0x300, 2),
        ]
    );
    assert_eq!(t.threads().collect::<Vec<_>>(), vec![1, 2]);
}

#[test]
fn a_trace_cut_short_reads_and_says_so() {
    let path = scratch("cut.wtrace");
    let mut w = Writer::create(&path).unwrap();
    w.events(1, &[event(0, abi::THREAD_START, 0), event(1, abi::THREAD_EXIT, 0)]).unwrap();
    w.events(1, &[event(2, abi::THREAD_JOIN, 2)]).unwrap();
    w.finish().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    // Without END and with the last block cut in half.
    let cut = scratch("cut_short.wtrace");
    std::fs::write(&cut, &bytes[..bytes.len() - 8 - 20]).unwrap();
    let t = Trace::open(&cut).unwrap();
    assert!(!t.complete);
    assert_eq!(t.merged().count(), 2);
}

#[test]
fn another_file_is_refused() {
    let path = scratch("not_a_trace");
    std::fs::write(&path, b"{\"traceEvents\": []}").unwrap();
    let err = Trace::open(&path).err().expect("not a raw trace");
    assert!(err.to_string().contains("not a wthreads raw trace"), "{err}");
}
