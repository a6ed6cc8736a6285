//! Process metrics with the names every Prometheus client library uses (`process_*`), read from
//! `/proc/self` when scraped. On systems without `/proc` they are left out.

use crate::render::Text;
#[cfg(test)]
use std::time::{SystemTime, UNIX_EPOCH};

/// Linux reports CPU times in clock ticks of `USER_HZ`, which is 100 on every architecture the
/// kernel's ABI promises (the value `sysconf(_SC_CLK_TCK)` returns).
const TICKS_PER_SECOND: f64 = 100.0;

pub(crate) fn render(out: &mut Text) {
    let Some(status) = read("/proc/self/status") else { return };
    let kib = |field: &str| field_value(&status, field).map(|kib| kib.saturating_mul(1024));
    if let Some(rss) = kib("VmRSS:") {
        out.header("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        out.sample("process_resident_memory_bytes", &[], rss);
    }
    if let Some(virtual_bytes) = kib("VmSize:") {
        out.header("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
        out.sample("process_virtual_memory_bytes", &[], virtual_bytes);
    }
    if let Some(threads) = field_value(&status, "Threads:") {
        out.header("process_threads", "gauge", "OS threads of the process.");
        out.sample("process_threads", &[], threads);
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        out.header("process_open_fds", "gauge", "Open file descriptors.");
        out.sample("process_open_fds", &[], fds.count());
    }
    if let Some(max) = read("/proc/self/limits").and_then(|limits| max_open_files(&limits)) {
        out.header("process_max_fds", "gauge", "Limit on open file descriptors.");
        out.sample("process_max_fds", &[], max);
    }
    if let Some(stat) = read("/proc/self/stat").and_then(|s| Stat::parse(&s)) {
        out.header("process_cpu_seconds_total", "counter", "User and system CPU time, in seconds.");
        out.sample("process_cpu_seconds_total", &[], (stat.utime + stat.stime) as f64 / TICKS_PER_SECOND);
        if let Some(boot) = read("/proc/stat").and_then(|s| field_value(&s, "btime")) {
            let start = boot as f64 + stat.starttime as f64 / TICKS_PER_SECOND;
            out.header(
                "process_start_time_seconds",
                "gauge",
                "Start time of the process since the Unix epoch, in seconds.",
            );
            out.sample("process_start_time_seconds", &[], start);
        }
    }
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The first number after `name` on its line (`VmRSS:   1234 kB`, `btime 1700000000`).
fn field_value(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|line| line.strip_prefix(name)?.split_whitespace().next()?.parse().ok())
}

/// The soft limit of `Max open files` in `/proc/self/limits`.
fn max_open_files(limits: &str) -> Option<u64> {
    field_value(limits, "Max open files")
}

/// The fields of `/proc/self/stat` we need. The second field (the command name, in parentheses)
/// may itself hold spaces and parentheses, so fields are counted after its last `)`.
struct Stat {
    utime: u64,
    stime: u64,
    starttime: u64,
}

impl Stat {
    fn parse(text: &str) -> Option<Self> {
        let after_name = &text[text.rfind(')')? + 1..];
        // After the name: state is field 3, so field N is at index N - 3.
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
        Some(Self { utime: field(14)?, stime: field(15)?, starttime: field(22)? })
    }
}

/// Seconds since the Unix epoch now (used by tests to check the start time is plausible).
#[cfg(test)]
fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_command_name_with_spaces_and_parentheses() {
        let line = "42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 12345 1000 200 18446744073709551615";
        let stat = Stat::parse(line).expect("parses");
        assert_eq!((stat.utime, stat.stime, stat.starttime), (250, 50, 12345));
    }

    #[test]
    fn reads_limits_soft_value() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                20000                files\n";
        assert_eq!(max_open_files(limits), Some(20000));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_reports_plausible_values() {
        let mut out = Text::default();
        render(&mut out);
        let text = out.into_string();
        for name in [
            "process_resident_memory_bytes",
            "process_open_fds",
            "process_max_fds",
            "process_cpu_seconds_total",
        ] {
            assert!(text.contains(&format!("\n{name} ")), "{name} missing in {text}");
        }
        let start: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("process_start_time_seconds "))
            .and_then(|v| v.parse().ok())
            .expect("start time");
        assert!(start > 1.0e9 && start <= now() + 1.0, "start time {start}");
    }
}
