//! The root's non-storing (MOP 1) source-route table (RFC 6550 §9.7) and
//! the RFC 6554 Source Routing Header it leads to.
//!
//! Each DAO a non-storing root receives names a target and its parent (the
//! Transit Information's Parent Address); [`SourceRoutes`] keeps
//! target → parent as a [`RouteTable`] of host routes (the parent as next
//! hop) over caller storage, so the sequence, lifetime and full-table rules
//! are the storing table's own ([`super::routes`]). [`SourceRoutes::route_to`] walks the parents from a
//! destination up to the root and gives the hops in forwarding order;
//! [`write_srh`] turns them into an SRH with
//! [`SourceRoute::compress`](crate::wire::ipv6::routing::SourceRoute::compress).

use core::net::Ipv6Addr;

use super::routes::{Route, RouteTable, RouteUpdate};
use crate::mac::Slots;
use crate::time::{Duration, Instant};
use crate::wire::ipv6::IpProtocol;
use crate::wire::ipv6::routing::{SourceRoute, TYPE_RPL_SOURCE_ROUTE};

/// Why no source route could be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SrhError {
    /// Some node on the way has no known parent.
    NoRoute,
    /// The parents lead back to a node already on the route (RFC 6554 §4.2
    /// forbids a route that visits a node twice).
    Loop,
    /// The route has more hops than the output (or an SRH) can hold.
    TooLong,
    /// The SRH does not fit in the buffer.
    Truncated,
}

/// One target → parent relation: a [`Route`] to the target (prefix
/// length 128) whose next hop is the target's DODAG parent.
pub type SourceRouteEntry = Route;

/// The root's source-route table (see the module docs). The root's own
/// address is not kept (the instance knows it: its DODAG ID); it is given
/// to [`SourceRoutes::route_to`].
#[derive(Debug)]
pub struct SourceRoutes<S: Slots<Route>> {
    table: RouteTable<S>,
}

impl<S: Slots<Route>> SourceRoutes<S> {
    /// A table over `slots` (cleared).
    pub fn new(slots: S) -> Self {
        SourceRoutes { table: RouteTable::new(slots) }
    }

    /// Applies a DAO: `target`'s parent is `parent`, with `path_sequence`
    /// and `lifetime` (`Duration::ZERO`: No-Path, removes the relation when
    /// not older and naming the same parent). The storing table's rules
    /// apply unchanged ([`RouteTable::update`]).
    pub fn update(
        &mut self,
        now: Instant,
        target: Ipv6Addr,
        parent: Ipv6Addr,
        path_sequence: u8,
        lifetime: Duration,
    ) -> RouteUpdate {
        self.table.update(now, target, 128, parent, path_sequence, lifetime)
    }

    /// The table of target → parent routes (storing mode uses it directly).
    pub fn table(&self) -> &RouteTable<S> {
        &self.table
    }

    /// The table, to update storing-mode routes.
    pub fn table_mut(&mut self) -> &mut RouteTable<S> {
        &mut self.table
    }

    /// Drops the relations whose lifetime ended; returns how many.
    pub fn poll(&mut self, now: Instant) -> usize {
        self.table.poll(now)
    }

    /// The next expiry, `None` when nothing can expire.
    pub fn poll_at(&self) -> Option<Instant> {
        self.table.poll_at()
    }

    /// The relations in use (`prefix` is the target, `next_hop` its parent).
    pub fn iter(&self) -> impl Iterator<Item = &Route> + '_ {
        self.table.iter()
    }

    /// Number of relations in use.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when no relation is in use.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// How many new relations were refused because the table was full.
    pub fn refused(&self) -> u32 {
        self.table.refused()
    }

    fn parent_of(&self, target: Ipv6Addr) -> Option<Ipv6Addr> {
        self.iter().find(|e| e.prefix_len == 128 && e.prefix == target).map(|e| e.next_hop)
    }

    /// The hops from the root to `dst` in forwarding order (the first hop,
    /// a child of the root, first; `dst` last) written into `out`; returns
    /// their number. `root` is the root's address as targets name it as
    /// parent (the DODAG ID). `out.len()` is the longest route accepted.
    pub fn route_to(&self, root: Ipv6Addr, dst: Ipv6Addr, out: &mut [Ipv6Addr]) -> Result<usize, SrhError> {
        let mut n = 0;
        let mut cur = dst;
        loop {
            let parent = self.parent_of(cur).ok_or(SrhError::NoRoute)?;
            let slot = out.get_mut(n).ok_or(SrhError::TooLong)?;
            *slot = cur;
            n += 1;
            if parent == root {
                break;
            }
            // RFC 6554 §4.2: a node may not appear twice in a source route.
            if out[..n].contains(&parent) {
                return Err(SrhError::Loop);
            }
            cur = parent;
        }
        out[..n].reverse();
        Ok(n)
    }
}

/// An SRH written by [`write_srh`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrittenSrh {
    /// The packet's IPv6 Destination Address: the first hop.
    pub destination: Ipv6Addr,
    /// Octets of SRH written (0 when the first hop is the final
    /// destination and no SRH is needed).
    pub len: usize,
}

/// Writes the SRH (RFC 6554 §3) that carries a packet along `hops` (as
/// [`SourceRoutes::route_to`] gives them) into `buf`: the IPv6 destination
/// becomes `hops[0]`, the SRH lists `hops[1..]` compressed against it with
/// Segments Left = their number. `next_header` is the header after the SRH.
pub fn write_srh(hops: &[Ipv6Addr], next_header: IpProtocol, buf: &mut [u8]) -> Result<WrittenSrh, SrhError> {
    let (&first, rest) = hops.split_first().ok_or(SrhError::NoRoute)?;
    if rest.is_empty() {
        return Ok(WrittenSrh { destination: first, len: 0 });
    }
    let segments_left = u8::try_from(rest.len()).map_err(|_| SrhError::TooLong)?;
    if buf.len() < 8 {
        return Err(SrhError::Truncated);
    }
    let (head, tail) = buf.split_at_mut(8);
    // The addresses are compressed in place after the fixed 8 octets, which
    // are then written by hand (RoutingRepr::emit would need the addresses in
    // a second buffer).
    let sr = SourceRoute::compress(&first, rest, tail).map_err(|e| match e {
        crate::wire::Error::Truncated => SrhError::Truncated,
        _ => SrhError::TooLong,
    })?;
    let (cmpr_i, cmpr_e, pad, addr_len) = (sr.cmpr_i, sr.cmpr_e, sr.pad(), sr.addresses.len());
    let total = 8 + addr_len + usize::from(pad);
    let pad_bytes = tail.get_mut(addr_len..addr_len + usize::from(pad)).ok_or(SrhError::Truncated)?;
    pad_bytes.fill(0);
    // RFC 6554 §3: Hdr Ext Len counts 8-octet units after the first 8.
    let hdr_ext_len = u8::try_from(total / 8 - 1).map_err(|_| SrhError::TooLong)?;
    head.copy_from_slice(&[
        next_header.into(),
        hdr_ext_len,
        TYPE_RPL_SOURCE_ROUTE,
        segments_left,
        (cmpr_i << 4) | cmpr_e,
        pad << 4,
        0,
        0,
    ]);
    Ok(WrittenSrh { destination: first, len: total })
}
