//! Where the nodes are and which links exist: generated layouts (line, grid,
//! seeded uniform random), node positions from a CSV file, and link lists in
//! RIOT's `zep_dispatch` `.topo` format.
//!
//! Positions are in metres. Node ids are `0..N`, in the order of the
//! returned vector.

use std::fmt;

/// A node's position, in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// East, metres.
    pub x: f64,
    /// North, metres.
    pub y: f64,
}

impl Position {
    /// The distance to `other`, in metres.
    pub fn distance(&self, other: &Position) -> f64 {
        (self.x - other.x).hypot(self.y - other.y)
    }
}

/// One line of a `.topo` file: a link between two nodes with the delivery
/// ratio of each direction (RIOT `zep_dispatch`: `A B [w_ab] [w_ba]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// One end.
    pub a: usize,
    /// The other end.
    pub b: usize,
    /// Probability (0..=1) that a frame from `a` reaches `b`.
    pub w_ab: f64,
    /// Probability (0..=1) that a frame from `b` reaches `a`.
    pub w_ba: f64,
    /// The line of the file the link comes from (1-based).
    pub line: usize,
}

/// An error in a positions or link file, naming its line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyError {
    /// The line (1-based); 0 when the error concerns the whole file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for TopologyError {}

fn err(line: usize, message: impl Into<String>) -> TopologyError {
    TopologyError { line, message: message.into() }
}

/// `n` nodes on a horizontal line, `spacing` metres apart, node 0 at x = 0.
pub fn line(n: usize, spacing: f64) -> Vec<Position> {
    (0..n).map(|i| Position { x: i as f64 * spacing, y: 0.0 }).collect()
}

/// A `w` × `h` grid, `spacing` metres apart, row by row: node `i` is at
/// column `i % w`, row `i / w`.
pub fn grid(w: usize, h: usize, spacing: f64) -> Vec<Position> {
    (0..w * h).map(|i| Position { x: (i % w) as f64 * spacing, y: (i / w) as f64 * spacing }).collect()
}

/// `n` nodes spread evenly on a circle of `radius` metres (a layout for
/// link-file topologies, which have no positions).
pub fn circle(n: usize, radius: f64) -> Vec<Position> {
    (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n.max(1) as f64;
            Position { x: radius * (1.0 + a.cos()), y: radius * (1.0 + a.sin()) }
        })
        .collect()
}

/// The side of the square in which `n` uniformly placed nodes have, on
/// average, `mean_degree` neighbours within `range` metres.
///
/// The first approximation ignores the square's edges:
/// `side = sqrt(n·π·r²/degree)`. Nodes near an edge have fewer neighbours,
/// which for 50 nodes of degree 6 loses about 17 %, so the side is solved
/// from the exact mean: a node's expected neighbour count is
/// `(n-1)·A(L)/L²` with `A(L) = π r² − 8 r³/(3L) + r⁴/(2L²)` the mean area of
/// a disc of radius `r` clipped to a square of side `L ≥ r`. When even
/// `L = r` cannot give the degree (it asks for nearly everyone), returns `r`.
pub fn random_side(n: usize, range: f64, mean_degree: f64) -> f64 {
    let r = range;
    let others = n.saturating_sub(1) as f64;
    let expected = |l: f64| {
        let a = std::f64::consts::PI * r * r - 8.0 * r.powi(3) / (3.0 * l) + r.powi(4) / (2.0 * l * l);
        others * a / (l * l)
    };
    if mean_degree <= 0.0 || r <= 0.0 || expected(r) <= mean_degree {
        return r.max(0.0);
    }
    // expected() decreases with L; bisect between r and the edge-free side.
    let (mut lo, mut hi) = (r, (n as f64 * std::f64::consts::PI * r * r / mean_degree).sqrt().max(r));
    while expected(hi) > mean_degree {
        hi *= 2.0;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if expected(mid) > mean_degree {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// `n` nodes placed uniformly at random in a `side` × `side` square, from
/// `seed` (the same seed always gives the same positions).
pub fn random(n: usize, side: f64, seed: u64) -> Vec<Position> {
    let mut rng = SplitMix64(seed ^ 0x746f_706f_6c6f_6779); // "topology"
    (0..n).map(|_| Position { x: rng.next_f64() * side, y: rng.next_f64() * side }).collect()
}

/// As [`random`], then every node that cannot reach node 0 over links of
/// at most `range` metres is drawn again (uniformly in the square, from
/// the same seeded stream) until it lands within `range` of a node that
/// can: the nodes of node 0's component keep their uniform positions, the
/// few others (about e^-degree of them) join it, and every node can reach
/// node 0. With `range` ≤ 0 or not finite, the same as [`random`].
pub fn random_connected(n: usize, side: f64, range: f64, seed: u64) -> Vec<Position> {
    let mut pos = random(n, side, seed);
    if n == 0 || !(range.is_finite() && range > 0.0) {
        return pos;
    }
    let cell = |p: &Position| ((p.x / range).floor() as i64, (p.y / range).floor() as i64);
    // The grid of nodes known to reach node 0.
    let mut grid: std::collections::HashMap<(i64, i64), Vec<usize>> = std::collections::HashMap::new();
    let near = |grid: &std::collections::HashMap<(i64, i64), Vec<usize>>, pos: &[Position], p: &Position| {
        let (cx, cy) = cell(p);
        (-1..=1).any(|dx| {
            (-1..=1).any(|dy| {
                grid.get(&(cx + dx, cy + dy)).is_some_and(|v| v.iter().any(|&j| pos[j].distance(p) <= range))
            })
        })
    };
    let mut reached = vec![false; n];
    reached[0] = true;
    grid.entry(cell(&pos[0])).or_default().push(0);
    // Breadth-first over the unit-disk graph: all nodes, bucketed.
    let mut all: std::collections::HashMap<(i64, i64), Vec<usize>> = std::collections::HashMap::new();
    for (i, p) in pos.iter().enumerate() {
        all.entry(cell(p)).or_default().push(i);
    }
    let mut queue = std::collections::VecDeque::from([0usize]);
    while let Some(i) = queue.pop_front() {
        let (cx, cy) = cell(&pos[i]);
        for dx in -1..=1 {
            for dy in -1..=1 {
                for &j in all.get(&(cx + dx, cy + dy)).map(Vec::as_slice).unwrap_or(&[]) {
                    if !reached[j] && pos[i].distance(&pos[j]) <= range {
                        reached[j] = true;
                        grid.entry(cell(&pos[j])).or_default().push(j);
                        queue.push_back(j);
                    }
                }
            }
        }
    }
    let mut rng = SplitMix64(seed ^ 0x0063_6f6e_6e65_6374); // "connect"
    for i in 0..n {
        if reached[i] {
            continue;
        }
        loop {
            let p = Position { x: rng.next_f64() * side, y: rng.next_f64() * side };
            if near(&grid, &pos, &p) {
                pos[i] = p;
                break;
            }
        }
        reached[i] = true;
        grid.entry(cell(&pos[i])).or_default().push(i);
    }
    pos
}

/// The pairs `(a, b)`, `a < b`, closer than or at `range` metres.
pub fn unit_disk_links(positions: &[Position], range: f64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (a, pa) in positions.iter().enumerate() {
        for (b, pb) in positions.iter().enumerate().skip(a + 1) {
            if pa.distance(pb) <= range {
                out.push((a, b));
            }
        }
    }
    out
}

/// The mean number of neighbours within `range` metres.
pub fn mean_degree(positions: &[Position], range: f64) -> f64 {
    if positions.is_empty() {
        return 0.0;
    }
    2.0 * unit_disk_links(positions, range).len() as f64 / positions.len() as f64
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small seeded generator, enough
/// for layouts; the simulator's own randomness lives elsewhere.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Lines without comments (`#` to the end of the line) or blanks, with their
/// 1-based numbers.
fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = l.split('#').next().unwrap_or("").trim();
        (!l.is_empty()).then_some((i + 1, l))
    })
}

/// Parses node positions from CSV text: one `id,x,y` line per node (metres),
/// an optional header line (`id,x,y`), `#` comments. Ids must be exactly
/// `0..N`, each once, in any order.
pub fn parse_positions_csv(text: &str) -> Result<Vec<Position>, TopologyError> {
    let mut seen: Vec<Option<(Position, usize)>> = Vec::new();
    for (n, l) in content_lines(text) {
        let cols: Vec<&str> = l.split(',').map(str::trim).collect();
        if cols.len() != 3 {
            return Err(err(n, format!("expected 3 columns `id,x,y`, found {}", cols.len())));
        }
        let Ok(id) = cols[0].parse::<usize>() else {
            if seen.is_empty() && cols[0].eq_ignore_ascii_case("id") {
                continue; // the header
            }
            return Err(err(n, format!("node id `{}` is not a non-negative integer", cols[0])));
        };
        let num = |s: &str, what: &str| {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| err(n, format!("{what} `{s}` is not a number")))
        };
        let p = Position { x: num(cols[1], "x")?, y: num(cols[2], "y")? };
        if id > 1_000_000 {
            return Err(err(n, format!("node id {id} is too large (at most 1000000)")));
        }
        if seen.len() <= id {
            seen.resize(id + 1, None);
        }
        if let Some((_, first)) = seen[id] {
            return Err(err(n, format!("node {id} is listed twice (first on line {first})")));
        }
        seen[id] = Some((p, n));
    }
    if seen.is_empty() {
        return Err(err(0, "no positions in the file"));
    }
    seen.iter()
        .enumerate()
        .map(|(id, s)| s.map(|(p, _)| p).ok_or_else(|| err(0, format!("node {id} has no position"))))
        .collect()
}

/// Parses a `.topo` link list (RIOT `zep_dispatch`): one `A B [w_ab] [w_ba]`
/// per line, `#` comments. `A` and `B` are node ids (non-negative integers);
/// the weights are delivery ratios in 0..=1, `w_ab` defaults to 1 and `w_ba`
/// to `w_ab`.
pub fn parse_topo(text: &str) -> Result<Vec<Link>, TopologyError> {
    let mut links = Vec::new();
    for (n, l) in content_lines(text) {
        let cols: Vec<&str> = l.split_whitespace().collect();
        if !(2..=4).contains(&cols.len()) {
            return Err(err(n, format!("expected `A B [w_ab] [w_ba]`, found {} fields", cols.len())));
        }
        let id = |s: &str| {
            s.parse::<usize>().map_err(|_| err(n, format!("node `{s}` is not a non-negative integer id")))
        };
        let w = |s: &str| match s.parse::<f64>() {
            Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
            _ => Err(err(n, format!("weight `{s}` is not a number between 0 and 1"))),
        };
        let (a, b) = (id(cols[0])?, id(cols[1])?);
        if a == b {
            return Err(err(n, format!("link from node {a} to itself")));
        }
        let w_ab = cols.get(2).map(|s| w(s)).transpose()?.unwrap_or(1.0);
        let w_ba = cols.get(3).map(|s| w(s)).transpose()?.unwrap_or(w_ab);
        links.push(Link { a, b, w_ab, w_ba, line: n });
    }
    Ok(links)
}

/// The number of nodes a link list implies: the largest id plus one.
pub fn topo_node_count(links: &[Link]) -> usize {
    links.iter().map(|l| l.a.max(l.b) + 1).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_formula_without_edges_matches_the_simple_one_for_large_squares() {
        // Few neighbours over a huge area: the edge term vanishes.
        let s = random_side(100_000, 10.0, 3.0);
        let simple = (100_000.0 * std::f64::consts::PI * 100.0 / 3.0f64).sqrt();
        assert!((s - simple).abs() / simple < 0.01, "{s} vs {simple}");
        assert_eq!(random_side(3, 10.0, 50.0), 10.0);
    }
}
