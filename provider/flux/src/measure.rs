//! Measurements the provider logs for the benchmarks (bench/): its peak memory. API request
//! counts are the engine's ([`engine::Engine::requests`]).

/// The process's peak resident set size (`VmHWM`), for the benchmark's log lines.
pub(crate) fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
