//! Scenarios: what a simulation run does, read from TOML.
//!
//! `sim/scenarios/example.toml` documents every key. A scenario is plain
//! data: the engine reads it, nothing here runs anything. Errors name the
//! line of the TOML file (and, for position and link files, the line of
//! that file).

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::topology::{self, Link, Position};

/// An error in a scenario, with the line it concerns when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file the error is in, when the scenario or a file it names was read from disk.
    pub file: Option<PathBuf>,
    /// The line (1-based), when the error concerns one.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl ScenarioError {
    fn at(line: Option<usize>, message: impl Into<String>) -> Self {
        ScenarioError { file: None, line, message: message.into() }
    }

    fn in_file(mut self, file: &Path) -> Self {
        if self.file.is_none() {
            self.file = Some(file.to_path_buf());
        }
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(p), Some(l)) => write!(f, "{}:{}: {}", p.display(), l, self.message),
            (Some(p), None) => write!(f, "{}: {}", p.display(), self.message),
            (None, Some(l)) => write!(f, "line {}: {}", l, self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// How the nodes are laid out.
#[derive(Debug, Clone, PartialEq)]
pub enum TopologyKind {
    /// `line:N`: N nodes in a row, `spacing_m` apart.
    Line(usize),
    /// `grid:WxH`: W columns × H rows, `spacing_m` apart.
    Grid(usize, usize),
    /// `random:N`: N nodes uniform in a square sized for `mean_degree`
    /// neighbours within the medium's range (or `area_m` when given); the
    /// nodes that could not reach node 0 are drawn again until they can
    /// ([`topology::random_connected`]).
    Random(usize),
    /// `csv:FILE`: positions from a CSV file `id,x,y`.
    Csv(PathBuf),
    /// `topo:FILE`: links from a `.topo` file; the medium is that link list.
    Topo(PathBuf),
}

impl TopologyKind {
    /// Parses `line:N`, `grid:WxH`, `random:N`, `csv:FILE` or `topo:FILE`.
    pub fn parse(s: &str) -> Result<TopologyKind, String> {
        let bad_n = |v: &str| format!("`{v}` is not a positive node count in topology `{s}`");
        let count = |v: &str| v.trim().parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| bad_n(v));
        match s.split_once(':') {
            Some(("line", n)) => Ok(TopologyKind::Line(count(n)?)),
            Some(("random", n)) => Ok(TopologyKind::Random(count(n)?)),
            Some(("grid", wh)) => {
                let (w, h) = wh
                    .split_once(['x', 'X'])
                    .ok_or_else(|| format!("grid topology `{s}` must be grid:WxH, e.g. grid:7x7"))?;
                Ok(TopologyKind::Grid(count(w)?, count(h)?))
            }
            Some(("csv", f)) if !f.is_empty() => Ok(TopologyKind::Csv(PathBuf::from(f))),
            Some(("topo", f)) if !f.is_empty() => Ok(TopologyKind::Topo(PathBuf::from(f))),
            _ => Err(format!(
                "unknown topology `{s}` (expected line:N, grid:WxH, random:N, csv:FILE or topo:FILE)"
            )),
        }
    }

    /// The node count, when the spec says it (not for file topologies).
    pub fn node_count(&self) -> Option<usize> {
        match *self {
            TopologyKind::Line(n) | TopologyKind::Random(n) => Some(n),
            TopologyKind::Grid(w, h) => Some(w * h),
            TopologyKind::Csv(_) | TopologyKind::Topo(_) => None,
        }
    }
}

impl fmt::Display for TopologyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopologyKind::Line(n) => write!(f, "line:{n}"),
            TopologyKind::Grid(w, h) => write!(f, "grid:{w}x{h}"),
            TopologyKind::Random(n) => write!(f, "random:{n}"),
            TopologyKind::Csv(p) => write!(f, "csv:{}", p.display()),
            TopologyKind::Topo(p) => write!(f, "topo:{}", p.display()),
        }
    }
}

/// The `[topology]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct TopologyConfig {
    /// The layout.
    pub kind: TopologyKind,
    /// Distance between neighbours in `line` and `grid`, metres.
    pub spacing_m: f64,
    /// For `random`: the mean number of neighbours within the medium's range.
    pub mean_degree: f64,
    /// For `random`: the side of the square, metres; overrides `mean_degree`.
    pub area_m: Option<f64>,
    /// For `topo`: an optional CSV file with positions (for the SVG and
    /// the path-loss model); without it the nodes are drawn on a circle.
    pub positions: Option<PathBuf>,
}

/// The radio medium and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum MediumConfig {
    /// Unit-disk graph, Cooja UDGM parameters.
    Udgm {
        /// Frames are received within this distance, metres.
        tx_range_m: f64,
        /// Frames interfere within this distance, metres.
        interference_range_m: f64,
        /// Probability that a transmission succeeds at all.
        success_tx: f64,
        /// Probability that a receiver in range gets it.
        success_rx: f64,
    },
    /// Links and delivery ratios from a `.topo` file.
    Topo {
        /// The file (relative paths are relative to the scenario file).
        file: PathBuf,
    },
    /// Log-distance path loss with log-normal shadowing, O-QPSK BER from SINR.
    PathLoss {
        /// Transmit power, dBm.
        p_tx_dbm: f64,
        /// Path loss at the reference distance `d0_m`, dB.
        pl_d0_db: f64,
        /// Reference distance, metres.
        d0_m: f64,
        /// Path-loss exponent.
        exponent: f64,
        /// Shadowing standard deviation, dB.
        sigma_db: f64,
        /// Noise floor, dBm.
        noise_dbm: f64,
    },
}

impl MediumConfig {
    /// The distance within which nodes count as neighbours, for sizing
    /// random layouts: UDGM's `tx_range_m`; for path loss, the distance at
    /// which the mean received power is 3 dB above the noise floor; `None`
    /// for link files.
    pub fn nominal_range_m(&self) -> Option<f64> {
        match *self {
            MediumConfig::Udgm { tx_range_m, .. } => Some(tx_range_m),
            MediumConfig::Topo { .. } => None,
            MediumConfig::PathLoss { p_tx_dbm, pl_d0_db, d0_m, exponent, noise_dbm, .. } => {
                let margin = p_tx_dbm - pl_d0_db - (noise_dbm + 3.0);
                Some(d0_m * 10f64.powf(margin / (10.0 * exponent)))
            }
        }
    }
}

/// A node's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The DODAG root (and border router).
    Root,
    /// A router: forwards and sends DIOs.
    Router,
    /// A leaf: joins, never forwards.
    Leaf,
}

/// The `[roles]` table: node 0 is the root and every other node a router
/// unless said otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles {
    /// The root's node id.
    pub root: usize,
    /// Leaf node ids.
    pub leaves: Vec<usize>,
}

impl Roles {
    /// The role of `node`.
    pub fn role(&self, node: usize) -> Role {
        if node == self.root {
            Role::Root
        } else if self.leaves.contains(&node) {
            Role::Leaf
        } else {
            Role::Router
        }
    }
}

/// RPL mode of operation (RFC 6550 §6.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mop {
    /// MOP 1: non-storing, source routing from the root.
    NonStoring,
    /// MOP 2: storing, without multicast.
    Storing,
}

/// RPL objective function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of {
    /// RFC 6552 Objective Function Zero.
    Of0,
    /// RFC 6719 MRHOF with ETX.
    Mrhof,
}

impl Mop {
    /// Parses `storing` or `non-storing`.
    pub fn parse(s: &str) -> Result<Mop, String> {
        match s {
            "storing" => Ok(Mop::Storing),
            "non-storing" | "nonstoring" | "non_storing" => Ok(Mop::NonStoring),
            _ => Err(format!("unknown RPL mode `{s}` (expected storing or non-storing)")),
        }
    }
}

impl Of {
    /// Parses `of0` or `mrhof`.
    pub fn parse(s: &str) -> Result<Of, String> {
        match s {
            "of0" => Ok(Of::Of0),
            "mrhof" => Ok(Of::Mrhof),
            _ => Err(format!("unknown objective function `{s}` (expected of0 or mrhof)")),
        }
    }
}

/// The `[rpl]` table. The timer keys go into the root's DODAG
/// Configuration option (RFC 6550 §6.7.6), so every node uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RplConfig {
    /// Mode of operation.
    pub mop: Mop,
    /// Objective function.
    pub of: Of,
    /// DIOIntervalMin: Trickle Imin = 2^this ms (default 12: 4.096 s).
    pub dio_interval_min: u8,
    /// DIOIntervalDoublings: Imax = Imin × 2^this (default 8).
    pub dio_interval_doublings: u8,
    /// DIORedundancyConstant k (default 10; 0 never suppresses).
    pub dio_redundancy_constant: u8,
    /// Default route lifetime, in `lifetime_unit`s (default 30).
    pub default_lifetime: u8,
    /// Lifetime unit, seconds (default 60: routes live 30 minutes and are
    /// refreshed at half that).
    pub lifetime_unit: u16,
}

impl RplConfig {
    /// sixlo's defaults (Contiki-NG's): Imin 2^12 ms, 8 doublings, k 10,
    /// routes of 30 × 60 s.
    pub const fn new(mop: Mop, of: Of) -> Self {
        RplConfig {
            mop,
            of,
            dio_interval_min: 12,
            dio_interval_doublings: 8,
            dio_redundancy_constant: 10,
            default_lifetime: 30,
            lifetime_unit: 60,
        }
    }
}

/// A periodic flow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Periodic {
    /// Time between two messages of one node, seconds.
    pub interval_s: f64,
    /// UDP payload (or ICMPv6 echo data) length, bytes.
    pub payload_bytes: usize,
    /// When the first messages go, seconds (each node adds a random offset
    /// within one interval so that nodes do not send together).
    pub start_s: f64,
}

/// The `[traffic]` table; each flow is off when its table is absent.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TrafficConfig {
    /// UDP from every non-root node to the root.
    pub up: Option<Periodic>,
    /// UDP from the root to every other node.
    pub down: Option<Periodic>,
    /// ICMPv6 echo requests from the root to every other node.
    pub ping: Option<Periodic>,
}

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// The node stops: radio off, state kept.
    NodeDown(usize),
    /// The node starts again.
    NodeUp(usize),
    /// The root loses its state and starts afresh.
    RootReboot,
    /// Frames between `a` and `b` (both ways) get through with at most this
    /// ratio (0..=1) of their usual probability.
    LinkDegrade {
        /// One end.
        a: usize,
        /// The other end.
        b: usize,
        /// Delivery ratio multiplier, 0..=1.
        ratio: f64,
    },
    /// The node moves to (x, y), metres.
    Move {
        /// The node.
        node: usize,
        /// New position.
        to: Position,
    },
}

/// A fault at a given virtual time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    /// When, seconds of virtual time.
    pub at_s: f64,
    /// What.
    pub kind: FaultKind,
    /// The scenario line of its `[[faults]]` entry (0 when not from a file).
    pub line: usize,
}

/// The `[output]` table: what to write, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputConfig {
    /// Output folder.
    pub dir: PathBuf,
    /// Write `capture.pcap`.
    pub pcap: bool,
    /// Write `nodes.log`.
    pub log: bool,
    /// Write `dodag.svg`.
    pub svg: bool,
}

/// A whole scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The seed every random choice derives from.
    pub seed: u64,
    /// Virtual time to simulate, seconds.
    pub duration_s: f64,
    /// Layout.
    pub topology: TopologyConfig,
    /// Radio medium.
    pub medium: MediumConfig,
    /// Root, routers and leaves.
    pub roles: Roles,
    /// RPL settings.
    pub rpl: RplConfig,
    /// Traffic.
    pub traffic: TrafficConfig,
    /// Faults, sorted by time.
    pub faults: Vec<Fault>,
    /// Outputs.
    pub output: OutputConfig,
    /// Every node reassembles 6LoWPAN datagrams in its packet buffer
    /// (reassembly slots without buffers: the RAM budget's configuration,
    /// `--lent-pool`) instead of in two buffers of its own.
    pub lent_pool: bool,
}

/// CLI flags that override the scenario (`None`/`false`: keep it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// `--topology line:N|grid:WxH|random:N|csv:FILE|topo:FILE`.
    pub topology: Option<String>,
    /// `--mop storing|non-storing`.
    pub mop: Option<String>,
    /// `--of of0|mrhof`.
    pub of: Option<String>,
    /// `--duration SECONDS`.
    pub duration_s: Option<f64>,
    /// `--traffic-interval SECONDS`: the interval of every enabled flow; when
    /// none is enabled, enables upward traffic with this interval.
    pub traffic_interval_s: Option<f64>,
    /// `--seed N`.
    pub seed: Option<u64>,
    /// `--out DIR`.
    pub out: Option<PathBuf>,
    /// `--no-pcap`.
    pub no_pcap: bool,
    /// `--lent-pool`.
    pub lent_pool: bool,
}

/// A scenario's nodes: positions and, for link-file mediums, the links.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Node positions, metres; node `i` is `positions[i]`.
    pub positions: Vec<Position>,
    /// The link list when the medium is a `.topo` file.
    pub links: Option<Vec<Link>>,
}

impl Network {
    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// True when there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
}

// ---- TOML layout -------------------------------------------------------

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    seed: Option<S<i64>>,
    duration_s: Option<S<f64>>,
    topology: Option<RawTopology>,
    medium: Option<RawMedium>,
    roles: Option<RawRoles>,
    rpl: Option<RawRpl>,
    traffic: Option<RawTraffic>,
    #[serde(default)]
    faults: Vec<S<RawFault>>,
    output: Option<RawOutput>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopology {
    kind: S<String>,
    spacing_m: Option<S<f64>>,
    mean_degree: Option<S<f64>>,
    area_m: Option<S<f64>>,
    positions: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMedium {
    model: S<String>,
    tx_range_m: Option<S<f64>>,
    interference_range_m: Option<S<f64>>,
    success_tx: Option<S<f64>>,
    success_rx: Option<S<f64>>,
    file: Option<String>,
    p_tx_dbm: Option<f64>,
    pl_d0_db: Option<f64>,
    d0_m: Option<S<f64>>,
    exponent: Option<S<f64>>,
    sigma_db: Option<S<f64>>,
    noise_dbm: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoles {
    root: Option<S<i64>>,
    #[serde(default)]
    leaves: Option<S<Vec<i64>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRpl {
    mop: Option<S<String>>,
    of: Option<S<String>>,
    dio_interval_min: Option<S<i64>>,
    dio_interval_doublings: Option<S<i64>>,
    dio_redundancy_constant: Option<S<i64>>,
    default_lifetime: Option<S<i64>>,
    lifetime_unit: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTraffic {
    up: Option<S<RawPeriodic>>,
    down: Option<S<RawPeriodic>>,
    ping: Option<S<RawPeriodic>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriodic {
    interval_s: S<f64>,
    payload_bytes: Option<S<i64>>,
    start_s: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFault {
    at_s: S<f64>,
    kind: S<String>,
    node: Option<S<i64>>,
    a: Option<S<i64>>,
    b: Option<S<i64>>,
    ratio: Option<S<f64>>,
    x: Option<f64>,
    y: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    dir: Option<String>,
    pcap: Option<bool>,
    log: Option<bool>,
    svg: Option<bool>,
}

/// Turns byte offsets into 1-based line numbers.
struct Lines<'a>(&'a str);

impl Lines<'_> {
    fn of(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.0.len());
        self.0.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
    }

    fn err<T>(&self, s: &S<T>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::at(Some(self.of(s.span())), message)
    }
}

impl Scenario {
    /// The built-in demo: 50 nodes uniformly placed with about 6 neighbours
    /// each (UDGM, 50 m range), storing mode with MRHOF, upward UDP every
    /// 20 s from 30 s on, downward every 60 s, 120 s of virtual time.
    pub fn demo() -> Scenario {
        Scenario {
            seed: 1,
            duration_s: 120.0,
            topology: TopologyConfig {
                kind: TopologyKind::Random(50),
                spacing_m: 30.0,
                mean_degree: 6.0,
                area_m: None,
                positions: None,
            },
            medium: MediumConfig::Udgm {
                tx_range_m: 50.0,
                interference_range_m: 100.0,
                success_tx: 1.0,
                success_rx: 1.0,
            },
            roles: Roles { root: 0, leaves: Vec::new() },
            rpl: RplConfig::new(Mop::Storing, Of::Mrhof),
            traffic: TrafficConfig {
                up: Some(Periodic { interval_s: 20.0, payload_bytes: 32, start_s: 30.0 }),
                down: Some(Periodic { interval_s: 60.0, payload_bytes: 32, start_s: 40.0 }),
                ping: None,
            },
            faults: Vec::new(),
            output: OutputConfig { dir: PathBuf::from("sim-out"), pcap: true, log: true, svg: true },
            lent_pool: false,
        }
    }

    /// Reads a scenario file; relative file paths in it (positions, link
    /// files) become relative to the scenario's folder, and the files it
    /// names are checked (`network()` succeeds afterwards unless they change).
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::at(None, format!("cannot read: {e}")).in_file(path))?;
        let mut s = Scenario::from_toml_str(&text).map_err(|e| e.in_file(path))?;
        let base = path.parent().unwrap_or(Path::new(""));
        let rebase = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        match &mut s.topology.kind {
            TopologyKind::Csv(p) | TopologyKind::Topo(p) => rebase(p),
            _ => {}
        }
        if let Some(p) = &mut s.topology.positions {
            rebase(p);
        }
        if let MediumConfig::Topo { file } = &mut s.medium {
            rebase(file);
        }
        s.network().map_err(|e| e.in_file(path))?;
        Ok(s)
    }

    /// Parses a scenario from TOML text. Missing keys take the defaults
    /// documented in `sim/scenarios/example.toml`. File paths are kept as
    /// written; the files are read by [`Scenario::network`].
    pub fn from_toml_str(text: &str) -> Result<Scenario, ScenarioError> {
        let lines = Lines(text);
        let raw: RawScenario = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| lines.of(s));
            ScenarioError::at(line, e.message().trim_end().to_string())
        })?;
        let mut s = Scenario::demo();
        s.output.dir = PathBuf::from("sim-out");
        s.traffic = TrafficConfig::default();

        if let Some(seed) = &raw.seed {
            s.seed = u64::try_from(*seed.get_ref())
                .map_err(|_| lines.err(seed, "seed must be a non-negative integer"))?;
        }
        if let Some(d) = &raw.duration_s {
            s.duration_s = positive(&lines, d, "duration_s")?;
        }

        // Medium first: random layouts need its range.
        if let Some(m) = &raw.medium {
            s.medium = parse_medium(&lines, m)?;
        }
        let mut kind_line = None;
        if let Some(t) = &raw.topology {
            kind_line = Some(lines.of(t.kind.span()));
            s.topology.kind = TopologyKind::parse(t.kind.get_ref()).map_err(|e| lines.err(&t.kind, e))?;
            if let Some(v) = &t.spacing_m {
                s.topology.spacing_m = positive(&lines, v, "spacing_m")?;
            }
            if let Some(v) = &t.mean_degree {
                s.topology.mean_degree = positive(&lines, v, "mean_degree")?;
            }
            if let Some(v) = &t.area_m {
                s.topology.area_m = Some(positive(&lines, v, "area_m")?);
            }
            s.topology.positions = t.positions.as_ref().map(PathBuf::from);
        }
        match (&s.topology.kind, &s.medium) {
            (TopologyKind::Topo(file), MediumConfig::Udgm { .. }) if raw.medium.is_none() => {
                s.medium = MediumConfig::Topo { file: file.clone() };
            }
            (TopologyKind::Topo(_), MediumConfig::Topo { .. }) => {}
            (TopologyKind::Topo(_), _) => {
                return Err(ScenarioError::at(
                    kind_line,
                    "a topo:FILE topology is its own medium; remove [medium] or use model = \"topo\"",
                ));
            }
            (TopologyKind::Random(_), MediumConfig::Topo { .. }) if s.topology.area_m.is_none() => {
                return Err(ScenarioError::at(
                    kind_line,
                    "a random topology with a link-file medium needs area_m (no range to size it from)",
                ));
            }
            _ => {}
        }

        let count = s.topology.kind.node_count();
        let in_range = |id: usize, line: usize, what: &str| match count {
            Some(n) if id >= n => Err(ScenarioError::at(
                Some(line),
                format!("{what} {id} is out of range: the topology has {n} nodes (0..{n})"),
            )),
            _ => Ok(id),
        };
        if let Some(r) = &raw.roles {
            if let Some(root) = &r.root {
                s.roles.root = in_range(node_id(&lines, root, "root")?, lines.of(root.span()), "root node")?;
            }
            if let Some(leaves) = &r.leaves {
                let mut out = Vec::new();
                for &l in leaves.get_ref() {
                    let id = usize::try_from(l)
                        .map_err(|_| lines.err(leaves, format!("leaf id {l} is negative")))?;
                    out.push(in_range(id, lines.of(leaves.span()), "leaf node")?);
                }
                s.roles.leaves = out;
            }
        }
        if let Some(r) = &raw.rpl {
            if let Some(m) = &r.mop {
                s.rpl.mop = Mop::parse(m.get_ref()).map_err(|e| lines.err(m, e))?;
            }
            if let Some(o) = &r.of {
                s.rpl.of = Of::parse(o.get_ref()).map_err(|e| lines.err(o, e))?;
            }
            let int = |v: &S<i64>, key: &str, lo: i64, hi: i64| {
                let x = *v.get_ref();
                if (lo..=hi).contains(&x) {
                    Ok(x)
                } else {
                    Err(lines.err(v, format!("{key} must be between {lo} and {hi}, not {x}")))
                }
            };
            if let Some(v) = &r.dio_interval_min {
                s.rpl.dio_interval_min = int(v, "dio_interval_min", 1, 30)? as u8;
            }
            if let Some(v) = &r.dio_interval_doublings {
                s.rpl.dio_interval_doublings = int(v, "dio_interval_doublings", 0, 30)? as u8;
            }
            if let Some(v) = &r.dio_redundancy_constant {
                s.rpl.dio_redundancy_constant = int(v, "dio_redundancy_constant", 0, 255)? as u8;
            }
            if let Some(v) = &r.default_lifetime {
                s.rpl.default_lifetime = int(v, "default_lifetime", 1, 255)? as u8;
            }
            if let Some(v) = &r.lifetime_unit {
                s.rpl.lifetime_unit = int(v, "lifetime_unit", 1, 65535)? as u16;
            }
        }
        if let Some(t) = &raw.traffic {
            let flow = |p: &Option<S<RawPeriodic>>| -> Result<Option<Periodic>, ScenarioError> {
                let Some(p) = p else { return Ok(None) };
                let p = p.get_ref();
                let payload_bytes = match &p.payload_bytes {
                    Some(b) => usize::try_from(*b.get_ref())
                        .ok()
                        .filter(|&n| n <= 1232)
                        .ok_or_else(|| lines.err(b, "payload_bytes must be between 0 and 1232"))?,
                    None => 32,
                };
                let start_s = match &p.start_s {
                    Some(v) => non_negative(&lines, v, "start_s")?,
                    None => 0.0,
                };
                Ok(Some(Periodic {
                    interval_s: positive(&lines, &p.interval_s, "interval_s")?,
                    payload_bytes,
                    start_s,
                }))
            };
            s.traffic = TrafficConfig { up: flow(&t.up)?, down: flow(&t.down)?, ping: flow(&t.ping)? };
        }
        for f in &raw.faults {
            s.faults.push(parse_fault(&lines, f)?);
        }
        s.faults.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        if let Some(o) = &raw.output {
            if let Some(d) = &o.dir {
                s.output.dir = PathBuf::from(d);
            }
            s.output.pcap = o.pcap.unwrap_or(true);
            s.output.log = o.log.unwrap_or(true);
            s.output.svg = o.svg.unwrap_or(true);
        }
        if let Some(n) = s.topology.kind.node_count() {
            s.check_ids(n)?;
        }
        Ok(s)
    }

    /// Checks that every node id the scenario names is below `n`.
    fn check_ids(&self, n: usize) -> Result<(), ScenarioError> {
        let out = |id: usize, what: &str, line: Option<usize>| {
            ScenarioError::at(
                line,
                format!("{what} {id} is out of range: the topology has {n} nodes (0..{n})"),
            )
        };
        if self.roles.root >= n {
            return Err(out(self.roles.root, "root node", None));
        }
        if let Some(&l) = self.roles.leaves.iter().find(|&&l| l >= n) {
            return Err(out(l, "leaf node", None));
        }
        for f in &self.faults {
            let line = (f.line > 0).then_some(f.line);
            let ids: &[usize] = match &f.kind {
                FaultKind::NodeDown(x) | FaultKind::NodeUp(x) => &[*x],
                FaultKind::Move { node, .. } => &[*node],
                FaultKind::LinkDegrade { a, b, .. } => &[*a, *b],
                FaultKind::RootReboot => &[],
            };
            if let Some(&id) = ids.iter().find(|&&id| id >= n) {
                return Err(out(id, "fault node", line));
            }
        }
        Ok(())
    }

    /// Applies command-line overrides.
    pub fn apply_overrides(&mut self, o: &Overrides) -> Result<(), ScenarioError> {
        let flag = |name: &str, e: String| ScenarioError::at(None, format!("--{name}: {e}"));
        if let Some(t) = &o.topology {
            let kind = TopologyKind::parse(t).map_err(|e| flag("topology", e))?;
            if let TopologyKind::Topo(file) = &kind {
                self.medium = MediumConfig::Topo { file: file.clone() };
            } else if matches!(self.medium, MediumConfig::Topo { .. }) {
                return Err(flag("topology", "the scenario's medium is a link file; use topo:FILE".into()));
            }
            self.topology.kind = kind;
        }
        if let Some(m) = &o.mop {
            self.rpl.mop = Mop::parse(m).map_err(|e| flag("mop", e))?;
        }
        if let Some(m) = &o.of {
            self.rpl.of = Of::parse(m).map_err(|e| flag("of", e))?;
        }
        if let Some(d) = o.duration_s {
            if !(d.is_finite() && d > 0.0) {
                return Err(flag("duration", format!("{d} is not a positive number of seconds")));
            }
            self.duration_s = d;
        }
        if let Some(i) = o.traffic_interval_s {
            if !(i.is_finite() && i > 0.0) {
                return Err(flag("traffic-interval", format!("{i} is not a positive number of seconds")));
            }
            let t = &mut self.traffic;
            if t.up.is_none() && t.down.is_none() && t.ping.is_none() {
                t.up = Some(Periodic { interval_s: i, payload_bytes: 32, start_s: 0.0 });
            }
            for p in [&mut t.up, &mut t.down, &mut t.ping].into_iter().flatten() {
                p.interval_s = i;
            }
        }
        if let Some(s) = o.seed {
            self.seed = s;
        }
        if let Some(d) = &o.out {
            self.output.dir = d.clone();
        }
        if o.lent_pool {
            self.lent_pool = true;
        }
        if o.no_pcap {
            self.output.pcap = false;
        }
        if let Some(n) = self.topology.kind.node_count() {
            self.check_ids(n)?;
        }
        Ok(())
    }

    /// Builds the nodes: generates or loads positions, loads the link file
    /// of a `topo` medium, and checks every node id the scenario names.
    pub fn network(&self) -> Result<Network, ScenarioError> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|e| ScenarioError {
                file: Some(p.to_path_buf()),
                line: None,
                message: e.to_string(),
            })
        };
        let file_err = |p: &Path, e: topology::TopologyError| ScenarioError {
            file: Some(p.to_path_buf()),
            line: (e.line > 0).then_some(e.line),
            message: e.message,
        };
        let links = match &self.medium {
            MediumConfig::Topo { file } => {
                Some(topology::parse_topo(&read(file)?).map_err(|e| file_err(file, e))?)
            }
            _ => None,
        };
        let t = &self.topology;
        let positions = match &t.kind {
            TopologyKind::Line(n) => topology::line(*n, t.spacing_m),
            TopologyKind::Grid(w, h) => topology::grid(*w, *h, t.spacing_m),
            TopologyKind::Random(n) => {
                let side = match (t.area_m, self.medium.nominal_range_m()) {
                    (Some(a), _) => a,
                    (None, Some(r)) => topology::random_side(*n, r, t.mean_degree),
                    (None, None) => {
                        return Err(ScenarioError::at(
                            None,
                            "a random topology with a link-file medium needs area_m",
                        ));
                    }
                };
                match self.medium.nominal_range_m() {
                    Some(r) => topology::random_connected(*n, side, r, self.seed),
                    None => topology::random(*n, side, self.seed),
                }
            }
            TopologyKind::Csv(p) => topology::parse_positions_csv(&read(p)?).map_err(|e| file_err(p, e))?,
            TopologyKind::Topo(p) => {
                let n = topology::topo_node_count(links.as_deref().unwrap_or(&[]));
                if n == 0 {
                    return Err(ScenarioError::at(None, "the link file has no links").in_file(p));
                }
                match &t.positions {
                    Some(csv) => {
                        let pos = topology::parse_positions_csv(&read(csv)?).map_err(|e| file_err(csv, e))?;
                        if pos.len() != n {
                            return Err(ScenarioError::at(
                                None,
                                format!("{} positions for the {n} nodes of the link file", pos.len()),
                            )
                            .in_file(csv));
                        }
                        pos
                    }
                    None => topology::circle(n, 10.0 * n as f64 / std::f64::consts::TAU),
                }
            }
        };
        let n = positions.len();
        if let (Some(links), MediumConfig::Topo { file }) = (&links, &self.medium)
            && let Some(l) = links.iter().find(|l| l.a.max(l.b) >= n)
        {
            return Err(ScenarioError {
                file: Some(file.clone()),
                line: Some(l.line),
                message: format!("node {} is out of range: the topology has {n} nodes", l.a.max(l.b)),
            });
        }
        self.check_ids(n)?;
        Ok(Network { positions, links })
    }
}

fn positive(lines: &Lines, v: &S<f64>, key: &str) -> Result<f64, ScenarioError> {
    let x = *v.get_ref();
    if x.is_finite() && x > 0.0 {
        Ok(x)
    } else {
        Err(lines.err(v, format!("{key} must be positive, not {x}")))
    }
}

fn non_negative(lines: &Lines, v: &S<f64>, key: &str) -> Result<f64, ScenarioError> {
    let x = *v.get_ref();
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(lines.err(v, format!("{key} must not be negative, not {x}")))
    }
}

fn ratio(lines: &Lines, v: &S<f64>, key: &str) -> Result<f64, ScenarioError> {
    let x = *v.get_ref();
    if (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        Err(lines.err(v, format!("{key} must be between 0 and 1, not {x}")))
    }
}

fn node_id(lines: &Lines, v: &S<i64>, key: &str) -> Result<usize, ScenarioError> {
    usize::try_from(*v.get_ref())
        .map_err(|_| lines.err(v, format!("{key}: node id {} is negative", v.get_ref())))
}

fn parse_medium(lines: &Lines, m: &RawMedium) -> Result<MediumConfig, ScenarioError> {
    let only = |present: bool, key: &str, model: &str| {
        if present {
            Err(lines.err(&m.model, format!("key {key} does not apply to medium model \"{model}\"")))
        } else {
            Ok(())
        }
    };
    match m.model.get_ref().as_str() {
        "udgm" => {
            only(m.file.is_some(), "file", "udgm")?;
            let tx = match &m.tx_range_m {
                Some(v) => positive(lines, v, "tx_range_m")?,
                None => 50.0,
            };
            let ir = match &m.interference_range_m {
                Some(v) => positive(lines, v, "interference_range_m")?,
                None => 2.0 * tx,
            };
            if ir < tx {
                let at = m.interference_range_m.as_ref().expect("default is 2 × tx");
                return Err(lines.err(at, "interference_range_m must not be smaller than tx_range_m"));
            }
            Ok(MediumConfig::Udgm {
                tx_range_m: tx,
                interference_range_m: ir,
                success_tx: m
                    .success_tx
                    .as_ref()
                    .map(|v| ratio(lines, v, "success_tx"))
                    .transpose()?
                    .unwrap_or(1.0),
                success_rx: m
                    .success_rx
                    .as_ref()
                    .map(|v| ratio(lines, v, "success_rx"))
                    .transpose()?
                    .unwrap_or(1.0),
            })
        }
        "topo" => {
            only(m.tx_range_m.is_some() || m.interference_range_m.is_some(), "*_range_m", "topo")?;
            let file = m
                .file
                .as_ref()
                .ok_or_else(|| lines.err(&m.model, "medium model \"topo\" needs file = \"...\""))?;
            Ok(MediumConfig::Topo { file: PathBuf::from(file) })
        }
        "pathloss" => {
            only(m.file.is_some(), "file", "pathloss")?;
            only(m.tx_range_m.is_some() || m.interference_range_m.is_some(), "*_range_m", "pathloss")?;
            // Defaults: 0 dBm, 40 dB at 1 m (2.4 GHz free space), exponent 3
            // (indoor), 4 dB shadowing, -100 dBm noise floor.
            Ok(MediumConfig::PathLoss {
                p_tx_dbm: m.p_tx_dbm.unwrap_or(0.0),
                pl_d0_db: m.pl_d0_db.unwrap_or(40.0),
                d0_m: m.d0_m.as_ref().map(|v| positive(lines, v, "d0_m")).transpose()?.unwrap_or(1.0),
                exponent: m
                    .exponent
                    .as_ref()
                    .map(|v| positive(lines, v, "exponent"))
                    .transpose()?
                    .unwrap_or(3.0),
                sigma_db: m
                    .sigma_db
                    .as_ref()
                    .map(|v| non_negative(lines, v, "sigma_db"))
                    .transpose()?
                    .unwrap_or(4.0),
                noise_dbm: m.noise_dbm.unwrap_or(-100.0),
            })
        }
        other => {
            Err(lines
                .err(&m.model, format!("unknown medium model `{other}` (expected udgm, topo or pathloss)")))
        }
    }
}

fn parse_fault(lines: &Lines, f: &S<RawFault>) -> Result<Fault, ScenarioError> {
    let r = f.get_ref();
    let at_s = non_negative(lines, &r.at_s, "at_s")?;
    let need = |v: &Option<S<i64>>, key: &str| -> Result<usize, ScenarioError> {
        match v {
            Some(v) => node_id(lines, v, key),
            None => Err(lines.err(&r.kind, format!("fault `{}` needs {key} = ...", r.kind.get_ref()))),
        }
    };
    let kind = match r.kind.get_ref().as_str() {
        "node_down" => FaultKind::NodeDown(need(&r.node, "node")?),
        "node_up" => FaultKind::NodeUp(need(&r.node, "node")?),
        "root_reboot" => FaultKind::RootReboot,
        "link" => FaultKind::LinkDegrade {
            a: need(&r.a, "a")?,
            b: need(&r.b, "b")?,
            ratio: match &r.ratio {
                Some(v) => ratio(lines, v, "ratio")?,
                None => return Err(lines.err(&r.kind, "fault `link` needs ratio = 0..1")),
            },
        },
        "move" => match (r.x, r.y) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                FaultKind::Move { node: need(&r.node, "node")?, to: Position { x, y } }
            }
            _ => return Err(lines.err(&r.kind, "fault `move` needs x = ... and y = ... (metres)")),
        },
        other => {
            return Err(lines.err(
                &r.kind,
                format!("unknown fault `{other}` (expected node_down, node_up, root_reboot, link or move)"),
            ));
        }
    };
    // The line of the kind key names the entry.
    Ok(Fault { at_s, kind, line: lines.of(r.kind.span()) })
}
