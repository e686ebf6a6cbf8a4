//! What a run leaves behind: `capture.pcap` ([`pcap`]), `metrics.json`
//! ([`metrics`]), `nodes.log` ([`log`]), `dodag.svg` ([`svg`]), plus a
//! progress bar and the short summary printed at the end.
//!
//! Each writer takes plain records (time, node, bytes, counters); none
//! knows about the engine.

pub mod log;
pub mod metrics;
pub mod pcap;
pub mod svg;

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use self::metrics::Metrics;

/// File names inside the output folder.
pub const PCAP_FILE: &str = "capture.pcap";
/// See [`PCAP_FILE`].
pub const METRICS_FILE: &str = "metrics.json";
/// See [`PCAP_FILE`].
pub const LOG_FILE: &str = "nodes.log";
/// See [`PCAP_FILE`].
pub const SVG_FILE: &str = "dodag.svg";

/// Wall time after which the progress bar appears: short runs stay quiet.
pub const PROGRESS_DELAY: Duration = Duration::from_secs(2);

/// A progress bar over virtual time. It stays hidden for the first
/// [`PROGRESS_DELAY`] of wall time, and always when stdout is not a
/// terminal (piped output, CI). Cheap to update often: indicatif limits
/// redraws.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    shown: bool,
    enabled: bool,
}

impl Progress {
    /// A bar for a run of `duration_us` of virtual time.
    pub fn new(duration_us: u64) -> Progress {
        Progress::with_terminal(duration_us, std::io::stdout().is_terminal())
    }

    /// As [`Progress::new`], saying whether drawing is allowed at all (tests
    /// and `--quiet` pass false).
    pub fn with_terminal(duration_us: u64, enabled: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(duration_us.max(1)), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {msg} ({eta} left)")
                .expect("valid template")
                .progress_chars("=> "),
        );
        Progress { bar, started: Instant::now(), shown: false, enabled }
    }

    /// Sets the virtual time reached, µs.
    pub fn set(&mut self, now_us: u64) {
        if self.enabled && !self.shown && self.started.elapsed() >= PROGRESS_DELAY {
            self.bar.set_draw_target(ProgressDrawTarget::stdout());
            self.shown = true;
        }
        self.bar.set_position(now_us);
        if self.shown {
            let len = self.bar.length().unwrap_or(0);
            self.bar.set_message(format!("{:.1}/{:.1} s", now_us as f64 / 1e6, len as f64 / 1e6));
        }
    }

    /// True once the bar is drawn.
    pub fn is_visible(&self) -> bool {
        self.shown
    }

    /// Removes the bar from the terminal.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

/// A few lines for people, printed after a run:
///
/// ```text
/// 50 nodes, 120.0 s virtual in 1.84 s wall (65x), 123456 events
/// PDR up 98.7 % (296/300), down 95.0 % (95/100), latency p50 12.3 ms p99 80.1 ms
/// frames 12345 tx, 45678 rx, 12 collisions
/// RPL 50/50 joined, converged at 31.2 s, root routes 49, hops mean 2.9 max 6
/// RPL control: DIO 1234, DIS 56, DAO 789, DAO-ACK 700 (1234 per node per hour)
/// ```
pub fn summary(m: &Metrics) -> String {
    let pct = |p: Option<f64>, sent: u64, recv: u64| match p {
        Some(p) => format!("{:.1} % ({recv}/{sent})", 100.0 * p),
        None => "n/a".to_string(),
    };
    let speed = if m.wall_s > 0.0 { format!(" ({:.0}x)", m.duration_s / m.wall_s) } else { String::new() };
    let t = &m.traffic;
    let mut s = format!(
        "{} nodes, {:.1} s virtual in {:.2} s wall{speed}, {} events\n",
        m.nodes, m.duration_s, m.wall_s, m.events
    );
    s += &format!(
        "PDR up {}, down {}",
        pct(t.pdr_up, t.up_sent, t.up_received),
        pct(t.pdr_down, t.down_sent, t.down_received)
    );
    if let (Some(p50), Some(p99)) = (t.latency_ms.p50, t.latency_ms.p99) {
        s += &format!(", latency p50 {p50:.1} ms p99 {p99:.1} ms");
    }
    s += &format!("\nframes {} tx, {} rx, {} collisions\n", m.frames.tx, m.frames.rx, m.frames.collisions);
    if let Some(j) = m.rpl.joined {
        s += &match m.rpl.converged_at_s {
            Some(c) => format!("RPL {j}/{} joined, converged at {c:.1} s", m.nodes),
            None => format!("RPL {j}/{} joined, not converged", m.nodes),
        };
        let r = &m.rpl;
        if let Some(routes) = r.root_routes {
            s += &format!(", root routes {routes}");
        }
        if let (Some(h), Some(hm)) = (m.traffic.hops_mean, m.traffic.hops_max) {
            s += &format!(", hops mean {h:.1} max {hm}");
        }
        s += "\n";
        if let (Some(dio), Some(dis), Some(dao), Some(ack)) = (r.dio, r.dis, r.dao, r.dao_ack) {
            s += &format!("RPL control: DIO {dio}, DIS {dis}, DAO {dao}, DAO-ACK {ack}");
            if let Some(c) = r.control_per_node_per_hour {
                s += &format!(" ({c:.0} per node per hour)");
            }
            s += "\n";
        }
    }
    s
}
