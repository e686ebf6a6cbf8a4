//! `sixlo-sim`: the sixlo mesh simulator and capture decoder.

mod bench;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use sixlo::lowpan::{Context, ContextTable};
use sixlo_sim::decode;
use sixlo_sim::scenario::{Overrides, Scenario};

#[derive(Parser)]
#[command(
    name = "sixlo-sim",
    version,
    about = "Simulator and capture decoder for the sixlo 802.15.4 IPv6 stack"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode a pcap capture (link types 195, 230, 283, 1 with ZEP or IPv6, 101)
    /// into one JSON object per frame, one per line.
    Decode {
        /// The capture file.
        file: PathBuf,
        /// A 6LoWPAN context, as `N=PREFIX/LEN` (e.g. `0=fd00::/64`), like
        /// tshark's `6lowpan.contextN`. Repeatable.
        #[arg(long = "context", value_name = "N=PREFIX", value_parser = parse_context)]
        contexts: Vec<(u8, Context)>,
    },
    /// Run the built-in 50-node demo scenario; outputs go to ./sim-out/.
    Demo {
        /// Output folder.
        #[arg(long, default_value = "sim-out")]
        out: PathBuf,
    },
    /// Run a scenario (a TOML file, or the demo's settings when omitted);
    /// flags override the file.
    Run {
        /// The scenario file (see sim/scenarios/example.toml).
        scenario: Option<PathBuf>,
        /// Topology: line:N, grid:WxH, random:N, csv:FILE, topo:FILE.
        #[arg(long)]
        topology: Option<String>,
        /// RPL mode of operation: storing or non-storing.
        #[arg(long)]
        mop: Option<String>,
        /// RPL objective function: of0 or mrhof.
        #[arg(long)]
        of: Option<String>,
        /// Virtual duration, seconds.
        #[arg(long)]
        duration: Option<f64>,
        /// Interval of the periodic traffic, seconds.
        #[arg(long)]
        traffic_interval: Option<f64>,
        /// Scenario seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Do not write capture.pcap.
        #[arg(long)]
        no_pcap: bool,
        /// Reassemble 6LoWPAN datagrams in each node's packet buffer (the
        /// RAM budget's configuration) instead of in buffers of their own.
        #[arg(long)]
        lent_pool: bool,
    },
    /// Benchmark the engine: NODES random nodes (mean degree 8), each
    /// broadcasting and unicasting a UDP datagram every 10 s; prints one
    /// line with the figures.
    Bench {
        /// Number of nodes.
        #[arg(long, default_value_t = 1000)]
        nodes: usize,
        /// Virtual duration, seconds.
        #[arg(long, default_value_t = 600.0)]
        duration: f64,
        /// Seed (topology, phases, engine).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Cut fuzz seed inputs from captures into OUT/<target>/ (one file per
    /// distinct message), so CI replays real traffic without committing it.
    FuzzSeeds {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Capture files (pcap).
        captures: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo { out } => {
            let mut s = Scenario::demo();
            s.output.dir = out;
            simulate(&s)
        }
        Command::Run {
            scenario,
            topology,
            mop,
            of,
            duration,
            traffic_interval,
            seed,
            out,
            no_pcap,
            lent_pool,
        } => {
            let mut s = match &scenario {
                Some(path) => match Scenario::from_file(path) {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("sixlo-sim run: {e}");
                        return ExitCode::FAILURE;
                    }
                },
                None => Scenario::demo(),
            };
            let o = Overrides {
                topology,
                mop,
                of,
                duration_s: duration,
                traffic_interval_s: traffic_interval,
                seed,
                out,
                no_pcap,
                lent_pool,
            };
            if let Err(e) = s.apply_overrides(&o) {
                eprintln!("sixlo-sim run: {e}");
                return ExitCode::FAILURE;
            }
            simulate(&s)
        }
        Command::Bench { nodes, duration, seed } => {
            println!("{}", bench::run(nodes, duration, seed));
            ExitCode::SUCCESS
        }
        Command::FuzzSeeds { out, captures } => {
            let paths: Vec<&std::path::Path> = captures.iter().map(PathBuf::as_path).collect();
            match sixlo_sim::seeds::write_seeds(&paths, &out) {
                Ok(counts) => {
                    for (target, n) in counts {
                        println!("{target}: {n} seeds");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("sixlo-sim fuzz-seeds: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Decode { file, contexts } => {
            let mut table = ContextTable::new();
            for (cid, ctx) in contexts {
                table.set(cid, Some(ctx));
            }
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let result = decode::Decoder::new(table).decode_file(&file, &mut out);
            let flushed = out.flush();
            match (result, flushed) {
                (Ok(()), Ok(())) => ExitCode::SUCCESS,
                // A closed pipe (`| head`) is not an error worth a message.
                (Err(e), _) | (_, Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("sixlo-sim decode: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// `N=PREFIX[/LEN]`: context N (0..=15) with a prefix (length 64 when omitted).
fn parse_context(s: &str) -> Result<(u8, Context), String> {
    let (n, prefix) = s.split_once('=').ok_or("expected N=PREFIX, e.g. 0=fd00::/64")?;
    let cid: u8 = n.trim().parse().map_err(|_| format!("context number {n:?} is not 0..15"))?;
    if cid > 15 {
        return Err(format!("context number {cid} is not 0..15"));
    }
    let (addr, len) = prefix.split_once('/').unwrap_or((prefix, "64"));
    let prefix: std::net::Ipv6Addr = addr.trim().parse().map_err(|e| format!("prefix {addr:?}: {e}"))?;
    let prefix_len: u8 = len
        .trim()
        .parse()
        .ok()
        .filter(|l| *l <= 128)
        .ok_or(format!("prefix length {len:?} is not 0..128"))?;
    Ok((cid, Context { prefix, prefix_len, compress: true }))
}

/// Runs a scenario and prints where its outputs are and a short summary.
fn simulate(s: &Scenario) -> ExitCode {
    match sixlo_sim::run::run(s, true) {
        Ok(r) => {
            // A closed pipe (`| head`) is not worth a panic.
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", sixlo_sim::output::summary(&r.metrics));
            for f in &r.files {
                let _ = writeln!(out, "wrote {}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sixlo-sim: {e}");
            ExitCode::FAILURE
        }
    }
}
