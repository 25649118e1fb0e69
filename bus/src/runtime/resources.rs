//! What this process costs: resident memory (split into heap/anonymous and file-backed pages, so memory
//! mapped model weights are told apart from allocations), peak RSS, threads and CPU time, plus the CPU time
//! of the calling thread (what one node step costs). Linux only (`/proc`, `getrusage`, the thread CPU
//! clock); elsewhere the figures are zero. Wall-clock figures: they go to the diagnostics topic and the
//! metrics file, never into the events log.

use std::time::Duration;

/// Memory figures from `/proc/self/status`, in KiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryStatus {
    /// Resident set (`VmRSS`) = anonymous + file-backed + shared memory.
    pub rss_kib: u64,
    /// Peak resident set (`VmHWM`).
    pub peak_rss_kib: u64,
    /// Anonymous resident pages (`RssAnon`): the heap, thread stacks, arenas.
    pub anon_kib: u64,
    /// File-backed resident pages (`RssFile`): the binary, shared libraries, memory-mapped model weights.
    /// The kernel can drop these under pressure and reread them; they are shared with the page cache.
    pub file_kib: u64,
    /// Threads of the process (`Threads`).
    pub threads: u32,
}

/// Parses the fields of [`MemoryStatus`] from the text of `/proc/<pid>/status`. Missing fields are 0.
pub fn parse_status(text: &str) -> MemoryStatus {
    let mut m = MemoryStatus::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        // "VmRSS:\t  123456 kB" -> 123456; "Threads:\t12" -> 12.
        let number = value
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        match key {
            "VmRSS" => m.rss_kib = number,
            "VmHWM" => m.peak_rss_kib = number,
            "RssAnon" => m.anon_kib = number,
            "RssFile" => m.file_kib = number,
            "Threads" => m.threads = number.min(u32::MAX as u64) as u32,
            _ => {}
        }
    }
    m
}

/// This process's memory now (zeros when `/proc` cannot be read).
pub fn memory_status() -> MemoryStatus {
    std::fs::read_to_string("/proc/self/status")
        .map(|t| parse_status(&t))
        .unwrap_or_default()
}

/// CPU time (user + system) of the whole process, every thread included.
pub fn process_cpu_time() -> Duration {
    // SAFETY: getrusage writes into the struct we hand it and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// CPU time of the calling thread so far. A node step's cost is the difference across the step: it counts
/// the thread that ran the step, not helper threads the step wakes (llama.cpp's, ONNX Runtime's
/// intra-op pool when it has more than one thread): those show in [`process_cpu_time`].
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec we hand it (vDSO: tens of nanoseconds, no syscall).
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// A share of one core in permille: `cpu` spent over `wall` elapsed (1000 = one core busy all the time,
/// 2000 = both cores of a 2-core ECU).
pub fn cpu_permille(cpu: Duration, wall: Duration) -> u32 {
    if wall.is_zero() {
        return 0;
    }
    (cpu.as_secs_f64() / wall.as_secs_f64() * 1000.0)
        .round()
        .clamp(0.0, u32::MAX as f64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\tcabin\nUmask:\t0022\nState:\tS (sleeping)\nVmPeak:\t 1200000 kB\n\
VmHWM:\t  654321 kB\nVmRSS:\t  500000 kB\nRssAnon:\t  300000 kB\nRssFile:\t  199000 kB\n\
RssShmem:\t    1000 kB\nThreads:\t17\nSigQ:\t0/31362\n";

    #[test]
    fn status_fields_are_parsed() {
        assert_eq!(
            parse_status(STATUS),
            MemoryStatus {
                rss_kib: 500_000,
                peak_rss_kib: 654_321,
                anon_kib: 300_000,
                file_kib: 199_000,
                threads: 17,
            }
        );
    }

    #[test]
    fn garbage_status_gives_zeros_not_a_panic() {
        assert_eq!(
            parse_status("VmRSS: lots\nnonsense\n:\nThreads:"),
            MemoryStatus::default()
        );
    }

    #[test]
    fn this_process_has_memory_and_cpu() {
        let m = memory_status();
        assert!(m.rss_kib > 0 && m.peak_rss_kib >= m.rss_kib && m.threads >= 1);
        let t0 = thread_cpu_time();
        // Burn a little CPU on this thread so its clock must move.
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        assert!(thread_cpu_time() > t0);
        assert!(process_cpu_time() >= thread_cpu_time() - t0);
    }

    #[test]
    fn permille_of_one_core() {
        assert_eq!(
            cpu_permille(Duration::from_millis(250), Duration::from_secs(1)),
            250
        );
        assert_eq!(cpu_permille(Duration::from_secs(3), Duration::ZERO), 0);
    }
}
