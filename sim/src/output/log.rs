//! `nodes.log`: one line per node event, in virtual time order as given:
//! `[  12.345678s] node 7: registered fd00::7`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Formats one log line (without the newline): the virtual time in seconds
/// with microsecond precision, right-aligned in 4 digits of seconds.
///
/// ```
/// assert_eq!(
///     sixlo_sim::output::log::format_line(12_345_678, 7, "registered fd00::7"),
///     "[  12.345678s] node 7: registered fd00::7"
/// );
/// ```
pub fn format_line(time_us: u64, node: usize, message: &str) -> String {
    format!("[{:>4}.{:06}s] node {}: {}", time_us / 1_000_000, time_us % 1_000_000, node, message)
}

/// Writes per-node events, one line each.
#[derive(Debug)]
pub struct NodeLog<W: Write> {
    out: W,
    lines: u64,
}

impl NodeLog<BufWriter<File>> {
    /// Creates (or truncates) `path`.
    pub fn create(path: &Path) -> io::Result<Self> {
        Ok(NodeLog::new(BufWriter::new(File::create(path)?)))
    }
}

impl<W: Write> NodeLog<W> {
    /// A log writing into `out`.
    pub fn new(out: W) -> Self {
        NodeLog { out, lines: 0 }
    }

    /// Writes `[time] node N: message`. A message with newlines is written
    /// as several lines with the same prefix, so every line parses alike.
    pub fn log(&mut self, time_us: u64, node: usize, message: &str) -> io::Result<()> {
        for part in message.split('\n') {
            writeln!(self.out, "{}", format_line(time_us, node, part.trim_end_matches('\r')))?;
            self.lines += 1;
        }
        Ok(())
    }

    /// The number of lines written.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
