//! cabin bus vs raw zenoh, measured in the same run, alternating, on two peer sessions over TCP loopback
//! (and again with zenoh shared memory on): one-way latency (median, p99) for 64 B, 64 KiB and 1 MiB
//! payloads, 64 B throughput, and in-process latency and allocations per message. Prints Markdown tables
//! for docs/PERFORMANCE.md. Run: `cargo bench --profile dev -p cabin-bus --bench zenoh`.
//!
//! Latency is measured one way on one clock: the sender stamps `Instant::now()` before publishing, the
//! receiving thread stamps arrival when it holds the message (for both paths). Both paths end in a thread woken by a queue, so the difference is what
//! the cabin layer adds: encoding, decoding, the typed header and the bounded queue. Raw zenoh uses the QoS
//! of cabin's camera publisher (lowest data priority, drop when congested), so like is compared with like.

use cabin_bus::messages::{Blob, CameraFrame, Message, PixelFormat};
use cabin_bus::{
    Bus, Header, NodeName, QueuePolicy, Sample, SimTime, Subscription, TopicId, ZenohConfig,
    ZenohTransport,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zenoh::Wait;

/// Counts allocations while `COUNTING` is on (only for the in-process rows). Off, it costs a read of a
/// flag nobody writes: counting everywhere made every allocation of every thread (zenoh's, both paths')
/// write one shared cache line, which slowed the allocating side of the throughput rows by itself.
struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

fn port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn frame_sample(bytes: usize, seq: u64) -> Sample {
    let frame = CameraFrame {
        format: PixelFormat::Gray8,
        width: bytes as u32,
        height: 1,
        stride: bytes as u32,
        data: Blob::from(vec![7u8; bytes]),
    };
    Sample {
        topic: TopicId::Camera,
        header: Header {
            source: NodeName::new("bench").unwrap_or_default(),
            seq,
            stamp: SimTime(seq),
        },
        message: Message::CameraFrame(frame),
    }
}

/// Two sessions, a cabin subscription on B and a raw zenoh publisher/subscriber pair on the same sessions.
struct Rig {
    a: Arc<ZenohTransport>,
    bus_a: Bus,
    sub: Subscription,
    raw_pub: zenoh::pubsub::Publisher<'static>,
    raw_rx: crossbeam_channel::Receiver<Instant>,
    _raw_sub: zenoh::pubsub::Subscriber<()>,
    _b: Arc<ZenohTransport>,
}

fn rig(vehicle: &str, shared_memory: bool) -> Rig {
    let p = port();
    let mut ca = ZenohConfig::loopback(p, &[]);
    let mut cb = ZenohConfig::loopback(port(), &[p]);
    for c in [&mut ca, &mut cb] {
        c.export_host_local = true;
        c.shared_memory = shared_memory;
    }
    let a = Arc::new(ZenohTransport::open(vehicle, &ca).expect("a"));
    let b = Arc::new(ZenohTransport::open(vehicle, &cb).expect("b"));
    let bus_a = Bus::new(vehicle, a.clone());
    let bus_b = Bus::new(vehicle, b.clone());
    let (raw_tx, raw_rx) = crossbeam_channel::unbounded::<Instant>();
    let raw_key = format!("raw/{vehicle}");
    let raw_sub = b
        .session()
        .declare_subscriber(raw_key.clone())
        .callback(move |s| {
            std::hint::black_box(s.payload().to_bytes().len());
            let _ = raw_tx.send(Instant::now());
        })
        .wait()
        .expect("raw sub");
    let raw_pub = a
        .session()
        .declare_publisher(raw_key)
        .priority(zenoh::qos::Priority::DataLow)
        .congestion_control(zenoh::qos::CongestionControl::Drop)
        .wait()
        .expect("raw pub");
    // Deep enough for the whole throughput burst, so the count measures speed, not refusals.
    let sub = bus_b
        .subscribe_with(TopicId::Camera, "bench", QueuePolicy::Lossless(1 << 18))
        .expect("sub");
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..200 {
        bus_a
            .publish_sample(Arc::new(frame_sample(64, 0)))
            .expect("pub");
        raw_pub.put(vec![0u8; 64]).wait().expect("raw put");
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(200));
    while sub.try_recv().is_some() {}
    while raw_rx.try_recv().is_ok() {}
    Rig {
        a,
        bus_a,
        sub,
        raw_pub,
        raw_rx,
        _raw_sub: raw_sub,
        _b: b,
    }
}

/// One raw zenoh sample, timed from before the put to when the receiving thread holds it.
fn raw_once(r: &Rig, payload: &[u8], out: &mut Vec<f64>, lost: &mut u32) {
    let t0 = Instant::now();
    r.raw_pub.put(payload.to_vec()).wait().expect("raw put");
    // Camera QoS drops under congestion: a lost sample is counted, not waited for forever.
    match r.raw_rx.recv_timeout(Duration::from_secs(1)) {
        // Stamped when this thread has it, as for cabin below (not inside zenoh's callback), so both
        // figures include the same wake-up of the receiving thread.
        Ok(_) => out.push(t0.elapsed().as_secs_f64() * 1e6),
        Err(_) => *lost += 1,
    }
}

/// One cabin sample of the same payload size, timed the same way.
fn cabin_once(r: &Rig, size: usize, i: usize, out: &mut Vec<f64>, lost: &mut u32) {
    let s = Arc::new(frame_sample(size, i as u64));
    let t0 = Instant::now();
    r.bus_a.publish_sample(s).expect("publish");
    match r.sub.recv_timeout(Duration::from_secs(1)) {
        Some(got) => {
            std::hint::black_box(got);
            out.push(t0.elapsed().as_secs_f64() * 1e6);
        }
        None => *lost += 1,
    }
}

fn latency_rows(r: &Rig, label: &str, sizes: &[usize], iters: usize) {
    for &size in sizes {
        let n = if size >= 1 << 20 { iters / 10 } else { iters };
        let (mut raw, mut cab) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut lost = (0u32, 0u32);
        let payload = vec![7u8; size];
        for i in 0..n {
            // Alternate raw and cabin so drifts in machine load hit both alike, and swap which goes first
            // every iteration: the path that runs second finds zenoh's threads already awake (measured: with
            // a fixed order, the second path looked 30-50 µs slower at 64 B on an idle machine).
            if i % 2 == 0 {
                raw_once(r, &payload, &mut raw, &mut lost.0);
                cabin_once(r, size, i, &mut cab, &mut lost.1);
            } else {
                cabin_once(r, size, i, &mut cab, &mut lost.1);
                raw_once(r, &payload, &mut raw, &mut lost.0);
            }
        }
        let (r50, r99, c50, c99) = (
            pct(&mut raw, 0.5),
            pct(&mut raw, 0.99),
            pct(&mut cab, 0.5),
            pct(&mut cab, 0.99),
        );
        let size_label = match size {
            64 => "64 B".to_string(),
            s if s < 1 << 20 => format!("{} KiB", s / 1024),
            s => format!("{} MiB", s >> 20),
        };
        println!(
            "| {size_label} | {label} | {r50:.1} µs | {r99:.1} µs | {c50:.1} µs | {c99:.1} µs | {:+.1}% | {}/{} |",
            (c50 / r50 - 1.0) * 100.0,
            lost.0,
            lost.1
        );
    }
}

fn main() {
    let iters: usize = std::env::var("CABIN_BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let tcp = rig("bench", false);
    // `CABIN_BENCH_ONLY=throughput`: the throughput rows alone, for profiling the receive path
    // (`perf record -g`) without the latency rows around it.
    if std::env::var("CABIN_BENCH_ONLY").as_deref() == Ok("throughput") {
        let rounds = std::env::var("CABIN_BENCH_ROUNDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(5);
        throughput_rows(&tcp, rounds);
        return;
    }
    println!("| payload | transport | raw zenoh p50 | raw zenoh p99 | cabin p50 | cabin p99 | cabin overhead (p50) | lost raw/cabin |");
    println!("|---|---|---|---|---|---|---|---|");
    latency_rows(&tcp, "TCP loopback", &[64, 64 * 1024, 1024 * 1024], iters);
    {
        let shm = rig("benchshm", true);
        latency_rows(&shm, "shared memory", &[64 * 1024, 1024 * 1024], iters);
    }

    // Publish cost alone (no receiver wait), 64 B.
    {
        let m = 20_000;
        let t0 = Instant::now();
        for _ in 0..m {
            tcp.raw_pub.put(vec![0u8; 64]).wait().expect("raw put");
        }
        let raw_ns = t0.elapsed().as_secs_f64() * 1e9 / m as f64;
        let s = Arc::new(frame_sample(64, 1));
        let t0 = Instant::now();
        for _ in 0..m {
            tcp.bus_a.publish_sample(s.clone()).expect("publish");
        }
        let cabin_ns = t0.elapsed().as_secs_f64() * 1e9 / m as f64;
        println!("\npublish call, 64 B: raw zenoh {raw_ns:.0} ns, cabin {cabin_ns:.0} ns");
        std::thread::sleep(Duration::from_millis(500));
        while tcp.sub.try_recv().is_some() {}
        while tcp.raw_rx.try_recv().is_ok() {}
    }

    throughput_rows(&tcp, 5);
    // In process: latency and allocations per message on the hot path (publish a prepared sample, receive).
    let bus = Bus::in_process("bench");
    let sub = bus.subscribe(TopicId::Alert, "r").expect("sub");
    let alert = Arc::new(
        cabin_bus::fixtures::every_sample("bench", SimTime::ZERO)
            .swap_remove(TopicId::Alert as usize),
    );
    for _ in 0..1000 {
        bus.publish_sample(alert.clone()).expect("pub");
        sub.try_recv();
    }
    let mut lat = Vec::with_capacity(100_000);
    COUNTING.store(true, Ordering::Relaxed);
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..100_000 {
        let t0 = Instant::now();
        bus.publish_sample(alert.clone()).expect("pub");
        let r = sub.try_recv();
        lat.push(t0.elapsed().as_secs_f64() * 1e9);
        std::hint::black_box(r);
    }
    let allocs = ALLOCS.load(Ordering::Relaxed) - before;
    COUNTING.store(false, Ordering::Relaxed);
    println!(
        "\n| in process (alert) | p50 | p99 | allocations per message |\n|---|---|---|---|\n| publish + receive | {:.0} ns | {:.0} ns | {:.3} |",
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99),
        allocs as f64 / 100_000.0
    );
}

/// Small-message throughput, cabin against raw zenoh on the same two sessions, `rounds` times, alternating
/// which goes first (as the latency rows do). ~64 B messages on a lossless topic (ECG chunks: congestion
/// control Block) against raw zenoh with the same QoS: publish N as fast as possible; the rate is taken at
/// the last arrival.
///
/// What each side does per message. Raw zenoh: the sender allocates the payload and puts it; zenoh's
/// receive thread runs a callback that views the payload (`to_bytes`, no copy for one slice) and sends a
/// unit into an unbounded crossbeam channel; the receiving thread takes it from the channel. cabin: the
/// sender encodes the sample into a fresh buffer and puts it; the callback decodes it (typed, validated,
/// owned) into an `Arc<Sample>` and pushes it into the subscription's bounded lossless queue; the receiving
/// thread takes it with `Subscription::recv_timeout`.
fn throughput_rows(tcp: &Rig, rounds: usize) {
    let n = 200_000u64;
    let (tx, rx) = crossbeam_channel::unbounded::<()>();
    let _tput_sub = tcp
        ._b
        .session()
        .declare_subscriber("raw/tput")
        .callback(move |s| {
            std::hint::black_box(s.payload().to_bytes().len());
            let _ = tx.send(());
        })
        .wait()
        .expect("raw sub");
    let tput_pub = tcp
        .a
        .session()
        .declare_publisher("raw/tput")
        .congestion_control(zenoh::qos::CongestionControl::Block)
        .wait()
        .expect("raw pub");
    let ecg_sub = Arc::new(
        Bus::new("bench", tcp._b.clone())
            .subscribe_with(TopicId::Ecg, "bench", QueuePolicy::Lossless(1 << 18))
            .expect("sub"),
    );
    std::thread::sleep(Duration::from_millis(500));
    let ecg = Arc::new(Sample {
        topic: TopicId::Ecg,
        header: Header {
            source: NodeName::new("bench").unwrap_or_default(),
            seq: 1,
            stamp: SimTime(1),
        },
        message: Message::BiometricChunk(cabin_bus::messages::BiometricChunk {
            kind: cabin_bus::messages::BiometricKind::Ecg,
            sample_rate_hz: 250.0,
            samples: vec![0.5; 12],
        }),
    });
    let wire = cabin_bus::codec::encode(&ecg).map(|b| b.len()).unwrap_or(0);
    let raw = |rx: crossbeam_channel::Receiver<()>| {
        throughput(
            n,
            move || rx.recv_timeout(Duration::from_secs(10)).is_ok(),
            || tput_pub.put(vec![0u8; wire]).wait().expect("raw put"),
        )
    };
    let cabin = |sub: Arc<Subscription>| {
        throughput(
            n,
            move || sub.recv_timeout(Duration::from_secs(10)).is_some(),
            || tcp.bus_a.publish_sample(ecg.clone()).expect("publish"),
        )
    };
    println!(
        "\n| {wire} B throughput (congestion control Block), round | first | raw zenoh msgs/s (received of {n}) | cabin msgs/s (received) | cabin / raw | CPU µs/msg raw: send / receive / zenoh | CPU µs/msg cabin: send / receive / zenoh |\n|---|---|---|---|---|---|---|"
    );
    let mut ratios = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let raw_first = round % 2 == 0;
        let (r, c) = if raw_first {
            let r = raw(rx.clone());
            (r, cabin(ecg_sub.clone()))
        } else {
            let c = cabin(ecg_sub.clone());
            (raw(rx.clone()), c)
        };
        ratios.push(c.rate / r.rate);
        let cpu = |t: &Throughput| {
            format!(
                "{:.2} / {:.2} / {:.2}",
                t.cpu_us[0], t.cpu_us[1], t.cpu_us[2]
            )
        };
        println!(
            "| {} | {} | {:.0} ({}) | {:.0} ({}) | {:.2}x | {} | {} |",
            round + 1,
            if raw_first { "raw" } else { "cabin" },
            r.rate,
            r.got,
            c.rate,
            c.got,
            c.rate / r.rate,
            cpu(&r),
            cpu(&c),
        );
    }
    println!(
        "| median of {rounds} | | | | {:.2}x | | |",
        pct(&mut ratios, 0.5)
    );
}

/// CPU time of the calling thread or of the whole process (`libc::CLOCK_THREAD_CPUTIME_ID` or
/// `libc::CLOCK_PROCESS_CPUTIME_ID`), in seconds.
fn cpu_seconds(clock: libc::clockid_t) -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to write into.
    if unsafe { libc::clock_gettime(clock, &mut t) } != 0 {
        return 0.0;
    }
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// One throughput measurement: messages received, their rate, and the CPU time per message of the sending
/// thread, the receiving thread and everything else in the process (zenoh's threads, both sessions).
struct Throughput {
    got: u64,
    rate: f64,
    cpu_us: [f64; 3],
}

/// Sends `n` messages while a thread receives them (`receive` is false on a timeout); returns how many
/// arrived and the rate, messages per second from the first send to the last receipt.
fn throughput(
    n: u64,
    mut receive: impl FnMut() -> bool + Send + 'static,
    mut send: impl FnMut(),
) -> Throughput {
    let process0 = cpu_seconds(libc::CLOCK_PROCESS_CPUTIME_ID);
    let send0 = cpu_seconds(libc::CLOCK_THREAD_CPUTIME_ID);
    let t0 = Instant::now();
    let receiver = std::thread::spawn(move || {
        let mut got = 0u64;
        while got < n && receive() {
            got += 1;
        }
        (
            got,
            t0.elapsed(),
            cpu_seconds(libc::CLOCK_THREAD_CPUTIME_ID),
        )
    });
    for _ in 0..n {
        send();
    }
    let send_cpu = cpu_seconds(libc::CLOCK_THREAD_CPUTIME_ID) - send0;
    let (got, t, recv_cpu) = receiver.join().unwrap_or((0, Duration::from_secs(1), 0.0));
    let process_cpu = cpu_seconds(libc::CLOCK_PROCESS_CPUTIME_ID) - process0;
    let per = |s: f64| s * 1e6 / got.max(1) as f64;
    Throughput {
        got,
        rate: got as f64 / t.as_secs_f64(),
        cpu_us: [
            per(send_cpu),
            per(recv_cpu),
            per(process_cpu - send_cpu - recv_cpu),
        ],
    }
}
