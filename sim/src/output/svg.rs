//! `dodag.svg`: the nodes at their positions, the links coloured by quality,
//! the parent edges of the DODAG, node ids, the root highlighted.
//! Hand-written SVG 1.1; opens in any browser.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use crate::topology::Position;

/// What to draw.
#[derive(Debug, Clone, Copy)]
pub struct Dodag<'a> {
    /// Node positions, metres; node `i` is `positions[i]`.
    pub positions: &'a [Position],
    /// Links `(a, b, quality)`, quality from 0 (bad, red) to 1 (good,
    /// green), e.g. a delivery ratio or 1/ETX. Drawn thin, under everything.
    pub links: &'a [(usize, usize, f64)],
    /// Parent edges `(child, parent)`, drawn as arrows to the parent.
    pub parents: &'a [(usize, usize)],
    /// The root, drawn larger and filled.
    pub root: Option<usize>,
    /// A caption at the top (e.g. the scenario and the time); may be empty.
    pub title: &'a str,
}

/// Side of the drawing area, px (the longer side of the layout).
const SIZE: f64 = 800.0;
/// Space around the drawing, px.
const MARGIN: f64 = 30.0;
/// Node circle radius, px.
const R: f64 = 9.0;

/// The colour of a link of quality `q` (clamped to 0..=1): hue 0 (red) to
/// 120 (green).
pub fn quality_colour(q: f64) -> String {
    let q = if q.is_finite() { q.clamp(0.0, 1.0) } else { 0.0 };
    format!("hsl({:.0},80%,40%)", 120.0 * q)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl Dodag<'_> {
    /// The SVG document. Edges naming nodes beyond `positions` are skipped.
    pub fn render(&self) -> String {
        let pts = self.positions;
        let fin = |v: f64| if v.is_finite() { v } else { 0.0 };
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for p in pts {
            x0 = x0.min(fin(p.x));
            y0 = y0.min(fin(p.y));
            x1 = x1.max(fin(p.x));
            y1 = y1.max(fin(p.y));
        }
        if pts.is_empty() {
            (x0, y0, x1, y1) = (0.0, 0.0, 1.0, 1.0);
        }
        let span = (x1 - x0).max(y1 - y0).max(1e-9);
        let scale = SIZE / span;
        let top = if self.title.is_empty() { MARGIN } else { MARGIN + 20.0 };
        let (w, h) = ((x1 - x0) * scale + 2.0 * MARGIN, (y1 - y0) * scale + MARGIN + top);
        // SVG y grows downwards; north is up.
        let at = |i: usize| {
            let p = pts[i];
            (MARGIN + (fin(p.x) - x0) * scale, top + (y1 - fin(p.y)) * scale)
        };
        let ok = |i: usize| i < pts.len();

        let mut s = String::new();
        let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.1} {h:.1}" font-family="sans-serif" font-size="9">"#
        );
        s.push_str(concat!(
            "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" ",
            "markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">",
            "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#222\"/></marker></defs>\n"
        ));
        let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
        if !self.title.is_empty() {
            let _ = writeln!(
                s,
                r#"<text x="{MARGIN}" y="{:.0}" font-size="14">{}</text>"#,
                MARGIN,
                escape(self.title)
            );
        }
        s.push_str("<g id=\"links\" stroke-width=\"1\" opacity=\"0.6\">\n");
        for &(a, b, q) in self.links.iter().filter(|l| ok(l.0) && ok(l.1)) {
            let ((ax, ay), (bx, by)) = (at(a), at(b));
            let _ = writeln!(
                s,
                r#"<line x1="{ax:.1}" y1="{ay:.1}" x2="{bx:.1}" y2="{by:.1}" stroke="{}"><title>{a}-{b}: {q:.2}</title></line>"#,
                quality_colour(q)
            );
        }
        s.push_str("</g>\n<g id=\"parents\" stroke=\"#222\" stroke-width=\"2\">\n");
        for &(c, p) in self.parents.iter().filter(|e| ok(e.0) && ok(e.1) && e.0 != e.1) {
            let ((cx, cy), (px, py)) = (at(c), at(p));
            // Stop at the parent's circle so the arrow head shows.
            let d = (px - cx).hypot(py - cy).max(1e-9);
            let r = if Some(p) == self.root { R * 1.5 } else { R };
            let (ex, ey) = (px - (px - cx) * r / d, py - (py - cy) * r / d);
            let _ = writeln!(
                s,
                r#"<line x1="{cx:.1}" y1="{cy:.1}" x2="{ex:.1}" y2="{ey:.1}" marker-end="url(#arrow)"/>"#
            );
        }
        s.push_str("</g>\n<g id=\"nodes\" text-anchor=\"middle\" dominant-baseline=\"central\">\n");
        for i in 0..pts.len() {
            let (x, y) = at(i);
            if Some(i) == self.root {
                let _ = writeln!(
                    s,
                    r##"<circle cx="{x:.1}" cy="{y:.1}" r="{:.1}" fill="#d62" stroke="#222" stroke-width="2"/><text x="{x:.1}" y="{y:.1}" fill="white" font-weight="bold">{i}</text>"##,
                    R * 1.5
                );
            } else {
                let _ = writeln!(
                    s,
                    r##"<circle cx="{x:.1}" cy="{y:.1}" r="{R}" fill="#fff" stroke="#222"/><text x="{x:.1}" y="{y:.1}">{i}</text>"##
                );
            }
        }
        s.push_str("</g>\n</svg>\n");
        s
    }

    /// Writes the SVG document to `path`.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        std::fs::write(path, self.render())
    }
}
