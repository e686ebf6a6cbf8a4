//! A node's DAO sending state (RFC 6550 §9): when to send a DAO, with which
//! sequence numbers, to whom, and the DAO-ACK wait.
//!
//! [`DaoSender`] is sans-IO: the caller reports events
//! ([`DaoSender::set_parent`], [`DaoSender::dio_from_parent`],
//! [`DaoSender::dao_ack`]) and calls [`DaoSender::poll`] at
//! [`DaoSender::poll_at`], which hands back the [`DaoContent`] to build and
//! send. It schedules a DAO:
//!
//! - after a parent change, and sends a No-Path DAO to the old parent
//!   first in storing mode (RFC 6550 §9.8: the old parent must drop the
//!   routes through us);
//! - when the preferred parent's DTSN is incremented (RFC 6550 §9.6);
//! - before the advertised path lifetime ends: at
//!   [`DaoConfig::refresh_percent`] of it, minus a random jitter;
//!
//! each time after a delay (RFC 6550 §9.5) drawn from `[dao_delay/2, 3·dao_delay/2]` so that
//! a subtree does not answer a DTSN change at once (Contiki-NG's
//! RPL_DAO_DELAY, 4 s ± 2 s).
//!
//! Every new DAO (a refresh included, not a retransmission) takes the next
//! DAOSequence and the next Path Sequence (lollipop counters, RFC 6550 §7.2),
//! so the No-Path sent on a parent switch is older than the DAO through the
//! new parent wherever the two meet.
//!
//! With the K flag (RFC 6550 §6.4, [`DaoConfig::request_ack`]) a DAO is
//! retransmitted with the same DAOSequence after `ack_timeout`,
//! doubling each time, at most `max_retransmissions` times; then the node
//! gives up (counted by [`DaoSender::gave_up`]) and tries again at the next
//! refresh. Contiki-NG's RPL configuration (rpl-conf.h) uses
//! RPL_DAO_RETRANSMISSION_TIMEOUT = 5 s and RPL_DAO_MAX_RETRANSMISSIONS = 5,
//! the defaults here (Contiki-NG keeps the timeout fixed; we back off).
//! No-Path DAOs are sent once without K: the old parent may be gone, and
//! its route expires anyway.

use core::net::Ipv6Addr;

use super::deadline::Deadline;
use super::routes::{LOLLIPOP_INIT, lollipop_increment, lollipop_newer};
use crate::mac::Rng;
use crate::time::{Duration, Instant};
use crate::wire::rpl::options::TransitInformation;

/// The DAO parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaoConfig {
    /// RPLInstanceID carried in the DAO.
    pub rpl_instance_id: u8,
    /// Non-storing mode (MOP 1): DAOs go to the root with the parent's
    /// address in the Transit Information; else storing mode (MOP 2).
    pub non_storing: bool,
    /// Set the K flag and wait for DAO-ACKs.
    pub request_ack: bool,
    /// First DAO-ACK wait; doubled after each retransmission.
    pub ack_timeout: Duration,
    /// Retransmissions before giving up.
    pub max_retransmissions: u8,
    /// Mean delay before a scheduled DAO (drawn in `[d/2, 3d/2]`).
    pub dao_delay: Duration,
    /// Refresh the routes at this percentage of their lifetime (1..=100).
    pub refresh_percent: u8,
    /// The advertised Path Lifetime, in lifetime units (the DODAG
    /// Configuration's Default Lifetime; 0xFF is infinite, no refresh).
    pub default_lifetime: u8,
    /// Seconds per lifetime unit (the DODAG Configuration's Lifetime Unit).
    pub lifetime_unit: u16,
}

impl Default for DaoConfig {
    /// Contiki-NG's DAO timing (rpl-conf.h): K set, 5 s ack timeout, 5
    /// retransmissions, 4 s DAO delay; refresh at 50 %; lifetime 30 × 60 s
    /// (RPL_DEFAULT_LIFETIME and RPL_DEFAULT_LIFETIME_UNIT as smoltcp's
    /// `consts.rs` lists them); storing mode, instance 0x1e (smoltcp's
    /// default instance; Contiki-NG uses 0).
    fn default() -> Self {
        DaoConfig {
            rpl_instance_id: 0x1e,
            non_storing: false,
            request_ack: true,
            ack_timeout: Duration::from_secs(5),
            max_retransmissions: 5,
            dao_delay: Duration::from_secs(4),
            refresh_percent: 50,
            default_lifetime: 30,
            lifetime_unit: 60,
        }
    }
}

/// What a DAO to send carries; the caller builds the message from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaoContent {
    /// Where to send it: the preferred parent's link-local address (storing
    /// mode, or the old parent for a No-Path), or the root's DODAG ID
    /// (non-storing mode, RFC 6550 §9.7).
    pub destination: Ipv6Addr,
    /// RPLInstanceID.
    pub rpl_instance_id: u8,
    /// DAOSequence.
    pub sequence: u8,
    /// The K flag.
    pub expect_ack: bool,
    /// The DODAG ID (for the D flag, which the caller may set).
    pub dodag_id: Ipv6Addr,
    /// The RPL Target: our address and prefix length.
    pub target: Ipv6Addr,
    /// The RPL Target prefix length.
    pub target_len: u8,
    /// Transit Information Path Sequence.
    pub path_sequence: u8,
    /// Transit Information Path Lifetime in lifetime units; 0 is a No-Path.
    pub path_lifetime: u8,
    /// Transit Information Parent Address (non-storing mode only, RFC 6550
    /// §6.7.8: the parent's global address).
    pub parent_address: Option<Ipv6Addr>,
    /// True when this is a retransmission of the previous DAO.
    pub retransmission: bool,
}

impl DaoContent {
    /// True for a No-Path DAO.
    pub fn is_no_path(&self) -> bool {
        self.path_lifetime == 0
    }

    /// The Transit Information option to carry.
    pub fn transit_information(&self) -> TransitInformation {
        TransitInformation {
            external: false,
            flags: 0,
            path_control: 0,
            path_sequence: self.path_sequence,
            path_lifetime: self.path_lifetime,
            parent_address: self.parent_address,
        }
    }
}

/// The outcome of [`DaoSender::dao_ack`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckResult {
    /// Our outstanding DAO was accepted (status below 128).
    Accepted,
    /// Our outstanding DAO was rejected (status 128 or above, RFC 6550 §6.5):
    /// the caller should try another parent.
    Rejected(u8),
    /// No outstanding DAO has this sequence: ignored.
    Unmatched,
}

/// The sequence numbers of the DAO awaiting its ACK and its
/// retransmission count (4 bytes; the wait's end is the sender's
/// `ack_deadline`, kept beside it so that no padding follows these bytes):
/// the rest of its content is the sender's (the parent cannot change while
/// it waits: a parent change drops it; the DODAG, target and K flag never
/// change). None waits when `ack_deadline` is [`Deadline::NONE`].
#[derive(Debug, Clone, Copy)]
struct Outstanding {
    sequence: u8,
    path_sequence: u8,
    path_lifetime: u8,
    retransmissions: u8,
}

impl Outstanding {
    const NONE: Outstanding =
        Outstanding { sequence: 0, path_sequence: 0, path_lifetime: 0, retransmissions: 0 };
}

/// [`DaoSender::flags`]: the DAOs are non-storing ([`DaoConfig::non_storing`]).
const NON_STORING: u8 = 1;
/// [`DaoSender::flags`]: `parent` holds the preferred parent.
const HAS_PARENT: u8 = 2;
/// [`DaoSender::flags`]: `no_path_to` holds the old parent owed a No-Path.
const HAS_NO_PATH: u8 = 4;
/// [`DaoSender::flags`]: `parent_dtsn` holds the parent's last DTSN.
const HAS_PARENT_DTSN: u8 = 8;

/// A node's DAO sending state (see the module docs).
///
/// 120 bytes on x86_64: the [`DaoConfig`] is kept field by field, and the
/// three optional values (parent, old parent, parent DTSN) and the
/// non-storing flag share one flags byte, so no padding is left.
#[derive(Debug, Clone)]
pub struct DaoSender {
    target: Ipv6Addr,
    dodag_id: Ipv6Addr,
    /// The preferred parent's link-local address (storing-mode DAOs go
    /// there), valid with [`HAS_PARENT`]; its global address, the
    /// non-storing Transit Information's Parent Address, is derived from it
    /// (see [`DaoSender::set_parent`]).
    parent: Ipv6Addr,
    /// The old parent owed a No-Path DAO, valid with [`HAS_NO_PATH`].
    no_path_to: Ipv6Addr,
    // DaoConfig, field by field (see `DaoSender::config`).
    ack_timeout: Duration,
    dao_delay: Duration,
    next_dao: Deadline,
    /// When the outstanding DAO's ACK wait ends ([`Deadline::NONE`]: no DAO waits).
    ack_deadline: Deadline,
    gave_up: u32,
    acked: u32,
    lifetime_unit: u16,
    rpl_instance_id: u8,
    max_retransmissions: u8,
    refresh_percent: u8,
    default_lifetime: u8,
    request_ack: bool,
    /// [`NON_STORING`], [`HAS_PARENT`], [`HAS_NO_PATH`], [`HAS_PARENT_DTSN`].
    flags: u8,
    /// The preferred parent's last DTSN, valid with [`HAS_PARENT_DTSN`].
    parent_dtsn: u8,
    target_len: u8,
    dao_sequence: u8,
    path_sequence: u8,
    outstanding: Outstanding,
}

impl DaoSender {
    /// The state of a node advertising `target/target_len` in DODAG `dodag_id`.
    #[inline(never)]
    pub fn new(config: DaoConfig, target: Ipv6Addr, target_len: u8, dodag_id: Ipv6Addr) -> Self {
        DaoSender {
            target,
            dodag_id,
            parent: Ipv6Addr::UNSPECIFIED,
            no_path_to: Ipv6Addr::UNSPECIFIED,
            ack_timeout: config.ack_timeout,
            dao_delay: config.dao_delay,
            next_dao: Deadline::NONE,
            ack_deadline: Deadline::NONE,
            gave_up: 0,
            acked: 0,
            lifetime_unit: config.lifetime_unit,
            rpl_instance_id: config.rpl_instance_id,
            max_retransmissions: config.max_retransmissions,
            refresh_percent: config.refresh_percent,
            default_lifetime: config.default_lifetime,
            request_ack: config.request_ack,
            flags: if config.non_storing { NON_STORING } else { 0 },
            parent_dtsn: 0,
            target_len: target_len.min(128),
            dao_sequence: LOLLIPOP_INIT,
            path_sequence: LOLLIPOP_INIT,
            outstanding: Outstanding::NONE,
        }
    }

    fn flag(&self, f: u8) -> bool {
        self.flags & f != 0
    }

    fn set_flag(&mut self, f: u8, on: bool) {
        if on {
            self.flags |= f;
        } else {
            self.flags &= !f;
        }
    }

    fn non_storing(&self) -> bool {
        self.flag(NON_STORING)
    }

    /// The preferred parent.
    fn parent(&self) -> Option<Ipv6Addr> {
        self.flag(HAS_PARENT).then_some(self.parent)
    }

    /// The old parent owed a No-Path DAO.
    fn no_path_to(&self) -> Option<Ipv6Addr> {
        self.flag(HAS_NO_PATH).then_some(self.no_path_to)
    }

    /// Updates the lifetime fields from a DODAG Configuration option.
    pub fn set_lifetime(&mut self, default_lifetime: u8, lifetime_unit: u16) {
        self.default_lifetime = default_lifetime;
        self.lifetime_unit = lifetime_unit;
    }

    /// The preferred parent changed to `parent` (its link-local address),
    /// or `None` when the node lost its parent. Schedules a DAO to the new
    /// parent and, in storing mode, a No-Path DAO to the old one. In
    /// non-storing mode the DAO names the parent by its global address: the
    /// target's /64 prefix with the parent's interface identifier (RFC 6550
    /// §9.7: an address of the parent in the DODAG's prefix, as the parent
    /// forms it from the PIO).
    pub fn set_parent(&mut self, now: Instant, parent: Option<Ipv6Addr>, rng: &mut Rng) {
        if parent == self.parent() {
            return;
        }
        if let (Some(old), false) = (self.parent(), self.non_storing()) {
            // RFC 6550 §9.8: storing mode, tell the old parent to drop our routes.
            self.no_path_to = old;
            self.set_flag(HAS_NO_PATH, true);
        }
        if let Some(p) = parent {
            self.parent = p;
        }
        self.set_flag(HAS_PARENT, parent.is_some());
        self.set_flag(HAS_PARENT_DTSN, false);
        self.ack_deadline = Deadline::NONE;
        self.next_dao = Deadline::NONE;
        if parent.is_some() {
            self.schedule(now, rng);
        }
    }

    /// A DIO from the preferred parent carried `dtsn`: an increment since the
    /// last one (RFC 6550 §9.6) schedules a DAO. The first DIO of a parent
    /// only records the value.
    pub fn dio_from_parent(&mut self, now: Instant, dtsn: u8, rng: &mut Rng) {
        let last = self.flag(HAS_PARENT_DTSN).then_some(self.parent_dtsn);
        self.parent_dtsn = dtsn;
        self.set_flag(HAS_PARENT_DTSN, true);
        if last.is_some_and(|l| lollipop_newer(dtsn, l)) && self.flag(HAS_PARENT) {
            self.schedule(now, rng);
        }
    }

    /// Asks for a DAO after the usual random delay (kept if one is due sooner).
    pub fn schedule(&mut self, now: Instant, rng: &mut Rng) {
        let d = self.dao_delay.total_micros();
        let at = now + Duration::from_micros(d / 2 + u64::from(rng.up_to(d.min(u64::from(u32::MAX)) as u32)));
        self.next_dao = Deadline::at(self.next_dao.get().map_or(at, |n| n.min(at)));
    }

    /// A DAO-ACK with `sequence` and `status` arrived.
    pub fn dao_ack(&mut self, now: Instant, sequence: u8, status: u8, rng: &mut Rng) -> AckResult {
        match self.awaiting_ack() {
            true if self.outstanding.sequence == sequence => {
                self.ack_deadline = Deadline::NONE;
                if status >= 128 {
                    // Try again at refresh time unless the caller switches parents.
                    self.schedule_refresh(now, rng);
                    return AckResult::Rejected(status);
                }
                self.acked = self.acked.saturating_add(1);
                self.schedule_refresh(now, rng);
                AckResult::Accepted
            }
            _ => AckResult::Unmatched,
        }
    }

    fn lifetime(&self) -> Option<Duration> {
        (self.default_lifetime != 0xff)
            .then(|| Duration::from_secs(u64::from(self.default_lifetime) * u64::from(self.lifetime_unit)))
    }

    fn schedule_refresh(&mut self, now: Instant, rng: &mut Rng) {
        let Some(life) = self.lifetime() else { return };
        let life = life.total_micros();
        let base = life / 100 * u64::from(self.refresh_percent.clamp(1, 100));
        // Jitter: up to a tenth of the lifetime earlier, never below zero.
        let jitter = u64::from(rng.up_to((life / 10).min(u64::from(u32::MAX)) as u32));
        self.next_dao = Deadline::at(now + Duration::from_micros(base.saturating_sub(jitter)));
    }

    /// When [`poll`](Self::poll) has something to do.
    #[inline(never)]
    pub fn poll_at(&self) -> Option<Instant> {
        if self.flag(HAS_NO_PATH) && (!self.flag(HAS_PARENT) || !self.next_dao.is_some()) {
            return Some(Instant::ZERO);
        }
        crate::time::earliest(self.next_dao.get(), self.ack_deadline.get())
    }

    /// The DAO to send now, if any (call again until `None`): a scheduled
    /// DAO, then a pending No-Path, then a retransmission.
    ///
    /// After a parent change the No-Path to the old parent waits for the
    /// DAO to the new one: until the new path is advertised, the old one
    /// keeps carrying traffic down (a No-Path first would leave the root
    /// without a route for the DAO delay). Its path sequence is then the
    /// newer one, but it only removes routes through the old parent (RFC
    /// 6550 §9.8: a No-Path applies to the route via its sender).
    #[inline(never)]
    pub fn poll(&mut self, now: Instant, rng: &mut Rng) -> Option<DaoContent> {
        if self.flag(HAS_NO_PATH) && (!self.flag(HAS_PARENT) || !self.next_dao.is_some()) {
            if let Some(old) = self.no_path_to() {
                self.set_flag(HAS_NO_PATH, false);
                return Some(self.no_path(old));
            }
        }
        if self.next_dao.get().is_some_and(|t| t <= now) {
            self.next_dao = Deadline::NONE;
            self.parent()?;
            self.next_sequences();
            let sent = Outstanding {
                sequence: self.dao_sequence,
                path_sequence: self.path_sequence,
                path_lifetime: self.default_lifetime,
                retransmissions: 0,
            };
            if self.request_ack {
                self.ack_deadline = Deadline::at(now + self.ack_timeout);
                self.outstanding = sent;
            } else {
                self.schedule_refresh(now, rng);
            }
            return self.to_parent(sent, false);
        }
        if self.ack_deadline.get()? > now {
            return None;
        }
        if self.outstanding.retransmissions >= self.max_retransmissions {
            self.ack_deadline = Deadline::NONE;
            self.gave_up = self.gave_up.saturating_add(1);
            self.schedule_refresh(now, rng);
            return None;
        }
        let o = &mut self.outstanding;
        o.retransmissions += 1;
        // Exponential backoff: ack_timeout × 2^n after the n-th retransmission.
        let wait = Duration::from_micros(
            self.ack_timeout.total_micros().saturating_mul(1 << o.retransmissions.min(32)),
        );
        let o = *o;
        self.ack_deadline = Deadline::at(now + wait);
        self.to_parent(o, true)
    }

    /// The DAO `o` describes, to the preferred parent (storing) or to the
    /// root naming the parent (non-storing, RFC 6550 §9.7).
    fn to_parent(&self, o: Outstanding, retransmission: bool) -> Option<DaoContent> {
        let ll = self.parent()?;
        let (destination, parent_address) = if self.non_storing() {
            (self.dodag_id, Some(super::instance::with_iid(&self.target, &ll)))
        } else {
            (ll, None)
        };
        Some(DaoContent {
            destination,
            rpl_instance_id: self.rpl_instance_id,
            sequence: o.sequence,
            expect_ack: self.request_ack,
            dodag_id: self.dodag_id,
            target: self.target,
            target_len: self.target_len,
            path_sequence: o.path_sequence,
            path_lifetime: o.path_lifetime,
            parent_address,
            retransmission,
        })
    }

    /// Every new DAO takes the next DAOSequence and Path Sequence.
    fn next_sequences(&mut self) {
        self.dao_sequence = lollipop_increment(self.dao_sequence);
        self.path_sequence = lollipop_increment(self.path_sequence);
    }

    /// A No-Path DAO (sent once, without K) to `destination`.
    fn no_path(&mut self, destination: Ipv6Addr) -> DaoContent {
        self.next_sequences();
        DaoContent {
            destination,
            rpl_instance_id: self.rpl_instance_id,
            sequence: self.dao_sequence,
            expect_ack: false,
            dodag_id: self.dodag_id,
            target: self.target,
            target_len: self.target_len,
            path_sequence: self.path_sequence,
            path_lifetime: 0,
            parent_address: None,
            retransmission: false,
        }
    }

    /// The settings (instance, mode and lifetime as last set).
    pub(crate) fn config(&self) -> DaoConfig {
        DaoConfig {
            rpl_instance_id: self.rpl_instance_id,
            non_storing: self.non_storing(),
            request_ack: self.request_ack,
            ack_timeout: self.ack_timeout,
            max_retransmissions: self.max_retransmissions,
            dao_delay: self.dao_delay,
            refresh_percent: self.refresh_percent,
            default_lifetime: self.default_lifetime,
            lifetime_unit: self.lifetime_unit,
        }
    }

    /// The target the DAOs advertise.
    pub(crate) fn target(&self) -> Ipv6Addr {
        self.target
    }

    /// The DODAG the DAOs are for.
    pub fn dodag_id(&self) -> Ipv6Addr {
        self.dodag_id
    }

    /// True while a DAO waits for its DAO-ACK.
    pub fn awaiting_ack(&self) -> bool {
        self.ack_deadline.is_some()
    }

    /// DAOs given up after the last retransmission.
    pub fn gave_up(&self) -> u32 {
        self.gave_up
    }

    /// DAOs acknowledged with an accepting status.
    pub fn acked(&self) -> u32 {
        self.acked
    }

    /// The last DAOSequence used.
    pub fn dao_sequence(&self) -> u8 {
        self.dao_sequence
    }

    /// The last Path Sequence used.
    pub fn path_sequence(&self) -> u8 {
        self.path_sequence
    }
}
