//! 6LoWPAN dispatch byte classification (RFC 4944 §5.1, RFC 6282 §3.1,
//! RFC 8025 §3, RFC 8066 §3).

use core::fmt;

/// The class of a 6LoWPAN header, read from its first byte (page 0).
///
/// Every byte value maps to exactly one variant: code points that no RFC
/// assigns are `Reserved(byte)`, so classification never fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dispatch {
    /// `00xxxxxx`: not a LoWPAN frame (RFC 4944 §5.1); the raw byte is kept.
    Nalp(u8),
    /// `01000000`: ESC, an extension dispatch byte follows. RFC 6282 §3.1 moved
    /// ESC here from RFC 4944's `01111111` (now inside the IPHC range) and
    /// RFC 8066 §3 defines the extension octet.
    Esc,
    /// `01000001`: an uncompressed IPv6 header follows (RFC 4944 §5.1).
    Ipv6,
    /// `01000010`: LOWPAN_HC1 (RFC 4944 §10), recognised but unsupported:
    /// RFC 6282 deprecates it.
    Hc1,
    /// `01010000`: LOWPAN_BC0 broadcast header (RFC 4944 §11.1).
    Bc0,
    /// `011xxxxx`: LOWPAN_IPHC (RFC 6282 §3.1).
    Iphc,
    /// `10xxxxxx`: mesh addressing header (RFC 4944 §5.2).
    Mesh,
    /// `11000xxx`: first fragment header (RFC 4944 §5.3).
    Frag1,
    /// `11100xxx`: subsequent fragment header (RFC 4944 §5.3).
    FragN,
    /// `1111xxxx`: paging dispatch to page `xxxx` (RFC 8025 §3).
    PageSwitch(u8),
    /// Any other byte: reserved by RFC 4944 §5.1 (e.g. `0x43`..`0x4f`,
    /// `0x51`..`0x5f`, `11001xxx`..`11011xxx`, `11101xxx`).
    Reserved(u8),
}

impl Dispatch {
    /// Classifies a dispatch byte (page 0 meaning).
    #[inline]
    pub const fn from_byte(b: u8) -> Dispatch {
        match b {
            0x00..=0x3f => Dispatch::Nalp(b),
            0x40 => Dispatch::Esc,
            0x41 => Dispatch::Ipv6,
            0x42 => Dispatch::Hc1,
            0x50 => Dispatch::Bc0,
            0x60..=0x7f => Dispatch::Iphc,
            0x80..=0xbf => Dispatch::Mesh,
            0xc0..=0xc7 => Dispatch::Frag1,
            0xe0..=0xe7 => Dispatch::FragN,
            0xf0..=0xff => Dispatch::PageSwitch(b & 0x0f),
            _ => Dispatch::Reserved(b),
        }
    }

    /// Classifies the first byte of `buf`, or `None` when it is empty.
    #[inline]
    pub fn of(buf: &[u8]) -> Option<Dispatch> {
        buf.first().map(|b| Dispatch::from_byte(*b))
    }

    /// A short human-readable name ("IPHC", "FRAG1", ...).
    pub const fn name(&self) -> &'static str {
        match self {
            Dispatch::Nalp(_) => "NALP",
            Dispatch::Esc => "ESC",
            Dispatch::Ipv6 => "IPv6",
            Dispatch::Hc1 => "HC1",
            Dispatch::Bc0 => "BC0",
            Dispatch::Iphc => "IPHC",
            Dispatch::Mesh => "MESH",
            Dispatch::Frag1 => "FRAG1",
            Dispatch::FragN => "FRAGN",
            Dispatch::PageSwitch(_) => "PAGE",
            Dispatch::Reserved(_) => "RESERVED",
        }
    }
}

impl fmt::Display for Dispatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dispatch::Nalp(b) | Dispatch::Reserved(b) => write!(f, "{} (0x{b:02x})", self.name()),
            Dispatch::PageSwitch(p) => write!(f, "PAGE {p}"),
            _ => f.write_str(self.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_classified() {
        let mut counts = [0usize; 11];
        for b in 0..=255u8 {
            let i = match Dispatch::from_byte(b) {
                Dispatch::Nalp(x) => {
                    assert_eq!(x, b);
                    0
                }
                Dispatch::Esc => 1,
                Dispatch::Ipv6 => 2,
                Dispatch::Hc1 => 3,
                Dispatch::Bc0 => 4,
                Dispatch::Iphc => 5,
                Dispatch::Mesh => 6,
                Dispatch::Frag1 => 7,
                Dispatch::FragN => 8,
                Dispatch::PageSwitch(p) => {
                    assert_eq!(p, b & 0xf);
                    9
                }
                Dispatch::Reserved(x) => {
                    assert_eq!(x, b);
                    10
                }
            };
            counts[i] += 1;
        }
        // 64 NALP, 1 ESC, 1 IPv6, 1 HC1, 1 BC0, 32 IPHC, 64 mesh, 8 FRAG1,
        // 8 FRAGN, 16 page switch, the rest (60) reserved.
        assert_eq!(counts, [64, 1, 1, 1, 1, 32, 64, 8, 8, 16, 60]);
    }

    #[test]
    fn fixed_points() {
        assert_eq!(Dispatch::from_byte(0x7f), Dispatch::Iphc);
        assert_eq!(Dispatch::from_byte(0x40), Dispatch::Esc);
        assert_eq!(Dispatch::from_byte(0xc8), Dispatch::Reserved(0xc8));
        assert_eq!(Dispatch::from_byte(0xe8), Dispatch::Reserved(0xe8));
        assert_eq!(Dispatch::from_byte(0xf1), Dispatch::PageSwitch(1));
        assert_eq!(Dispatch::of(&[]), None);
    }
}
