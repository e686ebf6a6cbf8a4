//! IEEE 802.15.4 MAC frames (2003, 2006 and 2015 formats).

/// An 802.15.4 MAC address.
///
/// Bytes are kept in the order people write them (most significant first,
/// as in an EUI-64 or as tshark prints them); on the air they are
/// little-endian, and the frame codec reverses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Address {
    /// No address (addressing mode 0).
    #[default]
    Absent,
    /// A 16-bit short address (addressing mode 2).
    Short([u8; 2]),
    /// A 64-bit extended address, an EUI-64 (addressing mode 3).
    Extended([u8; 8]),
}

impl Address {
    /// The broadcast short address 0xffff.
    pub const BROADCAST: Address = Address::Short([0xff, 0xff]);

    /// True for the broadcast short address 0xffff.
    pub fn is_broadcast(&self) -> bool {
        *self == Self::BROADCAST
    }
    /// The address bytes, most significant first (empty when absent).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Address::Absent => &[],
            Address::Short(a) => a,
            Address::Extended(a) => a,
        }
    }
}
