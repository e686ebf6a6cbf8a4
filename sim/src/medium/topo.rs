//! Link files in RIOT's `zep_dispatch` topology format.
//!
//! One link per line: `<node_a> <node_b> [weight_ab] [weight_ba]`; a weight
//! is the probability that a frame from the first node reaches the second.
//! Both omitted: a perfect link both ways; `weight_ba` omitted: symmetric
//! (RIOT `dist/tools/zep_dispatch/README.md`). `#` starts a comment; blank
//! lines are ignored. Anything else is an error naming the line.
//!
//! Frames overlapping in time at a receiver that has a link from both
//! senders collide; a node senses the channel busy while a node with a link
//! to it (weight > 0) transmits.

use std::collections::BTreeMap;

use rand_core::RngCore;

use super::{Listener, Loss, Medium, NodeId, Reach, Reception, Transmission, uniform};

/// One line of a topology file.
#[derive(Debug, Clone, PartialEq)]
pub struct TopoLink {
    /// First node's name.
    pub a: String,
    /// Second node's name.
    pub b: String,
    /// Delivery probability a → b.
    pub w_ab: f64,
    /// Delivery probability b → a.
    pub w_ba: f64,
}

/// A parsed topology file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopoFile {
    /// The links, in file order.
    pub links: Vec<TopoLink>,
}

/// A line of a topology file that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopoError {
    /// 1-based line number.
    pub line: usize,
    /// The line's text.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

impl core::fmt::Display for TopoError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "line {}: {}: {:?}", self.line, self.reason, self.text)
    }
}

impl std::error::Error for TopoError {}

impl TopoFile {
    /// Parses a topology file.
    pub fn parse(text: &str) -> Result<TopoFile, TopoError> {
        let mut links = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let err =
                |reason: &str| TopoError { line: i + 1, text: raw.to_owned(), reason: reason.to_owned() };
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            if !(2..=4).contains(&words.len()) {
                return Err(err("expected `A B [weight_ab] [weight_ba]`"));
            }
            let weight = |w: &str| -> Result<f64, TopoError> {
                match w.parse::<f64>() {
                    Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
                    _ => Err(err("a weight must be a number from 0 to 1")),
                }
            };
            let w_ab = match words.get(2) {
                Some(w) => weight(w)?,
                None => 1.0,
            };
            let w_ba = match words.get(3) {
                Some(w) => weight(w)?,
                None => w_ab,
            };
            if words[0] == words[1] {
                return Err(err("a link from a node to itself"));
            }
            links.push(TopoLink { a: words[0].to_owned(), b: words[1].to_owned(), w_ab, w_ba });
        }
        Ok(TopoFile { links })
    }

    /// Node names in order of first appearance.
    pub fn names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for l in &self.links {
            for n in [&l.a, &l.b] {
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
        }
        out
    }
}

/// A medium of explicit directed links with delivery probabilities.
#[derive(Debug, Clone, Default)]
pub struct Topo {
    /// weight[(from, to)]
    weights: BTreeMap<(NodeId, NodeId), f64>,
    /// Per sender, the nodes it has a link to (weight > 0), sorted.
    out: Vec<Vec<NodeId>>,
}

impl Topo {
    /// An empty topology (nobody hears anybody).
    pub fn new() -> Self {
        Topo::default()
    }

    /// The topology of `file`, with node names mapped to ids by `id_of`.
    /// A name `id_of` does not know is an error naming it.
    pub fn from_file(file: &TopoFile, id_of: impl Fn(&str) -> Option<NodeId>) -> Result<Topo, String> {
        let mut t = Topo::new();
        for l in &file.links {
            let a = id_of(&l.a).ok_or_else(|| format!("unknown node {:?} in the topology", l.a))?;
            let b = id_of(&l.b).ok_or_else(|| format!("unknown node {:?} in the topology", l.b))?;
            t.set_link(a, b, l.w_ab);
            t.set_link(b, a, l.w_ba);
        }
        Ok(t)
    }

    /// Sets the delivery probability from `from` to `to` (0 removes the link).
    pub fn set_link(&mut self, from: NodeId, to: NodeId, weight: f64) {
        let n = from.0.max(to.0) + 1;
        if self.out.len() < n {
            self.out.resize(n, Vec::new());
        }
        self.out[from.0].retain(|x| *x != to);
        if weight > 0.0 {
            self.weights.insert((from, to), weight);
            let o = &mut self.out[from.0];
            o.insert(o.partition_point(|x| *x < to), to);
        } else {
            self.weights.remove(&(from, to));
        }
    }

    /// The delivery probability from `from` to `to` (0 without a link).
    pub fn weight(&self, from: NodeId, to: NodeId) -> f64 {
        self.weights.get(&(from, to)).copied().unwrap_or(0.0)
    }
}

impl Medium for Topo {
    fn reach(&self) -> Reach {
        Reach::Links
    }

    fn linked(&self, sender: NodeId) -> &[NodeId] {
        self.out.get(sender.0).map_or(&[], Vec::as_slice)
    }

    fn receive(
        &mut self,
        rx: Listener,
        tx: &Transmission,
        interferers: &[&Transmission],
        rng: &mut dyn RngCore,
    ) -> Reception {
        let w = self.weight(tx.sender, rx.id);
        if w <= 0.0 {
            return Reception::OutOfRange;
        }
        if interferers.iter().any(|i| self.weight(i.sender, rx.id) > 0.0) {
            return Reception::Lost(Loss::Collision);
        }
        if w < 1.0 && uniform(rng) >= w {
            return Reception::Lost(Loss::Channel);
        }
        // No geometry: a strong signal, link quality from the weight.
        Reception::Received { rssi: -50, lqi: (255.0 * w) as u8 }
    }

    fn senses(&self, listener: Listener, on_air: &[&Transmission]) -> bool {
        on_air.iter().any(|t| self.weight(t.sender, listener.id) > 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_riot_format() {
        let f = TopoFile::parse("# comment\nA B\nB C 0.5\n\nC D 0.25 0.75 # trailing\n").unwrap();
        assert_eq!(f.links.len(), 3);
        assert_eq!((f.links[0].w_ab, f.links[0].w_ba), (1.0, 1.0));
        assert_eq!((f.links[1].w_ab, f.links[1].w_ba), (0.5, 0.5));
        assert_eq!((f.links[2].w_ab, f.links[2].w_ba), (0.25, 0.75));
        assert_eq!(f.names(), ["A", "B", "C", "D"]);
        let e = TopoFile::parse("A B\nA B C D E\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("line 2"), "{e}");
        assert_eq!(TopoFile::parse("A B x").unwrap_err().line, 1);
        assert_eq!(TopoFile::parse("A B 1.5").unwrap_err().line, 1);
    }

    #[test]
    fn links_are_directed() {
        let f = TopoFile::parse("n0 n1 1 0\n").unwrap();
        let t = Topo::from_file(&f, |n| n.strip_prefix('n')?.parse().ok().map(NodeId)).unwrap();
        assert_eq!(t.linked(NodeId(0)), &[NodeId(1)]);
        assert!(t.linked(NodeId(1)).is_empty());
        assert!(Topo::from_file(&f, |_| None).unwrap_err().contains("n0"));
    }
}
