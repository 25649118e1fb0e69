//! glibc's malloc, told to give large freed blocks back to the system at once.
//!
//! A [`crate::MemoryProfile::Lean`] session allocates and frees weight-sized buffers (hundreds of KiB to
//! a few MiB: the int8 weights dequantized next to their use) in every run. glibc serves a block above its
//! mmap threshold (128 KiB at start) with its own `mmap` and unmaps it on free — but it also *raises* the
//! threshold to the size of every such block freed (dynamic threshold, up to 32 MiB: mallopt(3)), so from
//! the second run on those buffers come from the heap arenas, whose freed memory mostly stays resident.
//! Setting the threshold explicitly turns the raise off. Measured on the cockpit role (speech + agent +
//! LLM + simulator, 200 s of the default drive, docs/perf/resources.md 2026-12-06): peak RSS 571 -> 489 MiB,
//! the same events byte for byte, CPU within the run-to-run spread.
//!
//! Process-wide by nature (there is one malloc). An operator's own `MALLOC_MMAP_THRESHOLD_` or
//! `GLIBC_TUNABLES=glibc.malloc.mmap_threshold=…` wins: then this does nothing.

/// glibc's own initial threshold (`DEFAULT_MMAP_THRESHOLD_MIN`, 128 KiB), kept fixed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD_BYTES: libc::c_int = 128 * 1024;

/// Fixes glibc's mmap threshold once per process (no-op on other C libraries).
pub(crate) fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let tunables = std::env::var("GLIBC_TUNABLES").ok();
            let own = std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_some();
            if !operator_sets_threshold(own, tunables.as_deref()) {
                // SAFETY: mallopt only changes malloc's parameters; glibc serialises it with its own lock.
                unsafe {
                    libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
                }
            }
        });
    }
}

/// Whether the environment already chose a threshold (`MALLOC_MMAP_THRESHOLD_` set, or a
/// `glibc.malloc.mmap_threshold` entry in the colon-separated `GLIBC_TUNABLES`).
fn operator_sets_threshold(malloc_env_set: bool, glibc_tunables: Option<&str>) -> bool {
    malloc_env_set
        || glibc_tunables.is_some_and(|t| {
            t.split(':')
                .any(|entry| entry.trim().starts_with("glibc.malloc.mmap_threshold="))
        })
}

#[cfg(test)]
mod tests {
    use super::operator_sets_threshold;

    #[test]
    fn an_operators_threshold_is_left_alone() {
        assert!(operator_sets_threshold(true, None));
        assert!(operator_sets_threshold(
            false,
            Some("glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=1048576")
        ));
        assert!(!operator_sets_threshold(
            false,
            Some("glibc.malloc.arena_max=2")
        ));
        assert!(!operator_sets_threshold(false, Some("")));
        assert!(!operator_sets_threshold(false, None));
    }
}
