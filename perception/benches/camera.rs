//! Benchmarks (written in a later step).
fn main() {}
