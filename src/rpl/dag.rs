//! DODAG membership for one RPL instance (RFC 6550 §8): joining, parent
//! and rank maintenance, DIO pacing, DIS solicitation, local and global
//! repair.
//!
//! [`Dag`] is sans-IO: it never sends. The caller parses a received DIO
//! or DIS and hands it in ([`Dag::on_dio`], [`Dag::on_dis`]), asks
//! [`Dag::poll`] at [`Dag::poll_at`] what to send, and builds outgoing DIOs
//! from [`Dag::dio`]. Time (`now`) and randomness ([`Rng`]) are parameters.
//!
//! Roles ([`Role`]):
//! - a **root** ([`Dag::root`]) owns the DODAG: rank ROOT_RANK, the
//!   version, its DTSN and the DODAG Configuration it advertises (always,
//!   RFC 6550 §6.7.6 lets the root include it in any DIO);
//! - a **router** joins through a DIO that carries (or whose DODAG it
//!   already knows) a DODAG Configuration option, keeps a parent set over
//!   the OF the configuration names, and sends DIOs on a Trickle timer;
//! - a **leaf** joins the same way but never sends a DIO: RFC 6550 §8.5
//!   lets a leaf advertise INFINITE_RANK, sixlo keeps leaves silent (no
//!   DIO answers to DIS, no poisoning) to save energy and airtime.
//!
//! One DODAG at a time: while joined, DIOs of other DODAGs or instances
//! are ignored (no DODAG switching on Grounded/DODAGPreference); an
//! unjoined node takes the first DODAG it can join.
//!
//! A node without a DODAG sends multicast DIS with backoff: the first
//! after a uniform delay in `[0, DIS_START_DELAY)`, then every
//! [`DIS_INITIAL_INTERVAL`] doubling up to [`DIS_MAX_INTERVAL`].
//!
//! ```
//! use core::net::Ipv6Addr;
//! use sixlo::mac::Rng;
//! use sixlo::rpl::dag::{Dag, DagAction, DioOutcome, RootConfig};
//! use sixlo::rpl::{Of, Of0, ParentEntry, ParentSet};
//! use sixlo::time::Instant;
//! use sixlo::wire::ieee802154::Address;
//!
//! let mut rng = Rng::new(1);
//! let id = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1);
//! let config = RootConfig::new(1, id, Of::Of0(Of0::default()));
//! let mut root = Dag::root(config, ParentSet::new([ParentEntry::EMPTY; 0], 0));
//! let mut router = Dag::router(ParentSet::new([ParentEntry::EMPTY; 4], 0));
//!
//! assert_eq!(root.poll(Instant::ZERO, &mut rng), None); // starts Trickle
//! let now = root.poll_at();
//! assert_eq!(root.poll(now, &mut rng), Some(DagAction::MulticastDio));
//! let content = root.dio().unwrap();
//! let options = content.options();
//! let dio = content.to_repr(&options); // emit it with wire::rpl::Repr::Dio
//!
//! let from = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
//! let out = router.on_dio(now, from, Address::Short([0, 1]), &dio, None, &mut rng);
//! assert_eq!(out, DioOutcome::Joined);
//! assert_eq!(router.rank(), 256 + 3 * 256); // OF0: ROOT_RANK + 3 × 256
//! ```

use core::net::Ipv6Addr;

use heapless::Vec;

use super::deadline::Deadline;
use super::of::ObjectiveFunction;
use super::parents::{DioInfo, ParentEntry, ParentSet, Update};
use super::trickle::{Trickle, TrickleParams};
use super::{DEFAULT_MAX_RANK_INCREASE, INFINITE_RANK, Of, root_rank};
use crate::mac::{Rng, Slots};
use crate::time::{Duration, Instant};
use crate::wire::ieee802154::Address;
use crate::wire::rpl::options::{DodagConfiguration, PrefixInformation};
use crate::wire::rpl::{Dio, ModeOfOperation, OptionRepr, Options, Repr};

// RFC 6550 §7.2 lollipop counters (versions, DTSN) are shared with the
// DAO and route code.
pub use super::routes::{LOLLIPOP_INIT, SEQUENCE_WINDOW, lollipop_increment, lollipop_newer};

/// The first DIS goes out after a uniform delay below this (Contiki-NG's
/// RPL_DIS_START_DELAY is 5 s; shorter here so a mote joins quickly).
pub const DIS_START_DELAY: Duration = Duration::from_secs(1);

/// The interval after the first DIS; it doubles after each DIS.
pub const DIS_INITIAL_INTERVAL: Duration = Duration::from_secs(4);

/// The cap of the DIS interval (Contiki-NG sends every 30 s; 64 s after
/// five doublings).
pub const DIS_MAX_INTERVAL: Duration = Duration::from_secs(64);

// The DIS interval as `Dag` keeps it, in a byte.
const DIS_INITIAL_SECS: u8 = DIS_INITIAL_INTERVAL.total_secs() as u8;
const DIS_MAX_SECS: u8 = DIS_MAX_INTERVAL.total_secs() as u8;

/// How long a detached router advertises INFINITE_RANK (RFC 6550
/// §8.2.2.5), in units of the DODAG's Imin: three Imin cover the first
/// two Trickle intervals, so two poisoning DIOs go out unless suppressed.
pub const POISON_IMINS: u64 = 3;

/// What a node is in its DODAG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The DODAG root.
    Root,
    /// A router: has parents, sends DIOs.
    Router,
    /// A leaf: has parents, sends no DIO.
    Leaf,
}

/// What a root advertises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RootConfig {
    /// RPLInstanceID.
    pub instance_id: u8,
    /// DODAGID (a routable address of the root).
    pub dodag_id: Ipv6Addr,
    /// The Prefix Information option to advertise, if any.
    pub prefix: Option<PrefixInformation>,
    /// Mode of Operation.
    pub mop: ModeOfOperation,
    /// The objective function; its OCP and MinHopRankIncrease go into the
    /// DODAG Configuration option.
    pub of: Of,
    /// DIOIntervalMin (Imin = 2^this ms, RFC 6550 §6.7.6).
    pub dio_interval_min: u8,
    /// DIOIntervalDoublings.
    pub dio_interval_doublings: u8,
    /// DIORedundancyConstant (k; 0: never suppress).
    pub dio_redundancy_constant: u8,
    /// MaxRankIncrease.
    pub max_rank_increase: u16,
    /// Default route lifetime, in `lifetime_unit`s.
    pub default_lifetime: u8,
    /// Lifetime unit in seconds.
    pub lifetime_unit: u16,
    /// The Grounded flag.
    pub grounded: bool,
    /// DODAGPreference (0..=7).
    pub preference: u8,
    /// The initial DODAGVersionNumber.
    pub version: u8,
}

impl RootConfig {
    /// A configuration with sixlo's defaults: storing mode, no prefix,
    /// Trickle [`TrickleParams::SIXLO_DEFAULT`] (Imin 2^12 ms, 8
    /// doublings, k 10), [`DEFAULT_MAX_RANK_INCREASE`], lifetime 30 × 60 s
    /// (Contiki-NG's), grounded, preference 0, version [`LOLLIPOP_INIT`].
    pub const fn new(instance_id: u8, dodag_id: Ipv6Addr, of: Of) -> Self {
        RootConfig {
            instance_id,
            dodag_id,
            prefix: None,
            mop: ModeOfOperation::StoringWithoutMulticast,
            of,
            dio_interval_min: 12,
            dio_interval_doublings: 8,
            dio_redundancy_constant: 10,
            max_rank_increase: DEFAULT_MAX_RANK_INCREASE,
            default_lifetime: 30,
            lifetime_unit: 60,
            grounded: true,
            preference: 0,
            version: LOLLIPOP_INIT,
        }
    }

    fn dodag_configuration(&self) -> DodagConfiguration {
        DodagConfiguration {
            flags: 0,
            authentication_enabled: false,
            path_control_size: 0,
            dio_interval_doublings: self.dio_interval_doublings,
            dio_interval_min: self.dio_interval_min,
            dio_redundancy_constant: self.dio_redundancy_constant,
            max_rank_increase: self.max_rank_increase,
            minimum_hop_rank_increase: self.of.min_hop_rank_increase(),
            objective_code_point: self.of.ocp(),
            reserved: 0,
            default_lifetime: self.default_lifetime,
            lifetime_unit: self.lifetime_unit,
        }
    }
}

/// The values of the DIO a node sends (RFC 6550 §6.3.1), from
/// [`Dag::dio`]: build the wire [`Dio`] with [`DioContent::options`] and
/// [`DioContent::to_repr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DioContent {
    /// RPLInstanceID.
    pub instance_id: u8,
    /// DODAGVersionNumber.
    pub version: u8,
    /// The node's rank ([`INFINITE_RANK`] while poisoning).
    pub rank: u16,
    /// Grounded flag.
    pub grounded: bool,
    /// Mode of Operation.
    pub mop: ModeOfOperation,
    /// DODAGPreference.
    pub preference: u8,
    /// The node's DTSN.
    pub dtsn: u8,
    /// DODAGID.
    pub dodag_id: Ipv6Addr,
    /// The DODAG Configuration option (always present: the root includes
    /// it, routers repeat it so that joiners need no DIS, RFC 6550 §8.3).
    pub config: Option<DodagConfiguration>,
    /// The Prefix Information option, when the DODAG advertises one.
    pub prefix: Option<PrefixInformation>,
}

impl DioContent {
    /// The options to put in the DIO: DODAG Configuration, then PIO.
    pub fn options(&self) -> Vec<OptionRepr<'static>, 2> {
        let mut v = Vec::new();
        if let Some(c) = self.config {
            // Capacity 2, at most two pushes: cannot fail.
            let _ = v.push(OptionRepr::DodagConfiguration(c));
        }
        if let Some(p) = self.prefix {
            let _ = v.push(OptionRepr::PrefixInformation(p));
        }
        v
    }

    /// Writes the DIO body (base object, DODAG Configuration, PIO) at the
    /// start of `body`: its length, or `None` when it does not fit. The
    /// same bytes as [`to_repr`](Self::to_repr) with
    /// [`options`](Self::options), written without a generic option list.
    pub fn emit(&self, body: &mut [u8]) -> Option<usize> {
        let base = Repr::Dio(self.to_repr(&[]));
        let cfg = self.config.map_or(0, |_| DodagConfiguration::BUFFER_LEN);
        let len = base.base_len() + cfg + self.prefix.map_or(0, |_| PrefixInformation::BUFFER_LEN);
        let body = body.get_mut(..len)?;
        let b = base.emit_base(body);
        if let Some(config) = &self.config {
            config.emit(&mut body[b..]);
        }
        if let Some(prefix) = &self.prefix {
            prefix.emit(&mut body[b + cfg..]);
        }
        Some(len)
    }

    /// The wire DIO with `options` (usually `&self.options()`).
    pub fn to_repr<'a>(&self, options: &'a [OptionRepr<'a>]) -> Dio<'a> {
        Dio {
            rpl_instance_id: self.instance_id,
            version_number: self.version,
            rank: self.rank,
            grounded: self.grounded,
            zero_bit: false,
            mode_of_operation: self.mop,
            dodag_preference: self.preference,
            dtsn: self.dtsn,
            flags: 0,
            reserved: 0,
            dodag_id: self.dodag_id,
            options: Options::Reprs(options),
        }
    }
}

/// What a received DIO changed, from [`Dag::on_dio`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DioOutcome {
    /// Not for us (other DODAG or instance while joined, malformed
    /// options, unknown OCP, poisoned while unjoined, sent by a node in an
    /// older DODAG version, or received while poisoning).
    Ignored,
    /// The DIO would let the node join but lacks the DODAG Configuration
    /// option: send a unicast DIS to `to` (RFC 6550 §8.3 makes the answer
    /// carry the option).
    NeedConfig {
        /// The DIO's sender.
        to: Ipv6Addr,
    },
    /// The node joined a DODAG, or a new version of its DODAG (global
    /// repair, RFC 6550 §8.2.2.1): send a DAO (in a mode with downward
    /// routes).
    Joined,
    /// The preferred parent changed: send a DAO (to the new parent).
    ParentChanged,
    /// The preferred parent incremented its DTSN (RFC 6550 §9.6): send a
    /// DAO.
    DaoNeeded,
    /// The node lost its last usable parent: it detached. A router now
    /// poisons (RFC 6550 §8.2.2.5) before it looks for a new parent.
    Detached,
    /// Processed; nothing the caller must act on.
    NoChange,
}

impl DioOutcome {
    /// Whether the node should send a DAO now.
    pub fn needs_dao(&self) -> bool {
        matches!(self, DioOutcome::Joined | DioOutcome::ParentChanged | DioOutcome::DaoNeeded)
    }
}

/// What [`Dag::poll`] or [`Dag::on_dis`] asks the caller to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DagAction {
    /// A DIO built from [`Dag::dio`] to all-RPL-nodes (ff02::1a).
    MulticastDio,
    /// A DIO built from [`Dag::dio`] (it carries the DODAG Configuration
    /// option) unicast to `to`, answering its DIS.
    ReplyDio {
        /// The DIS sender.
        to: Ipv6Addr,
    },
    /// A DIS (no options) to all-RPL-nodes.
    MulticastDis,
}

/// A DODAG's Prefix Information option as the DODAG record keeps it, in
/// 28 bytes instead of 36: the option's Reserved1 and Reserved2 fields are
/// not kept, and the DIOs this node sends carry them as zero (RFC 6550
/// §6.7.10: they "MUST be initialized to zero by the sender and MUST be
/// ignored by the receiver").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pio {
    pub(crate) prefix: Ipv6Addr,
    pub(crate) valid_lifetime: u32,
    pub(crate) preferred_lifetime: u32,
    pub(crate) prefix_len: u8,
    pub(crate) on_link: bool,
    pub(crate) autonomous: bool,
    pub(crate) router_address: bool,
}

impl From<PrefixInformation> for Pio {
    fn from(p: PrefixInformation) -> Self {
        Pio {
            prefix: p.prefix,
            valid_lifetime: p.valid_lifetime,
            preferred_lifetime: p.preferred_lifetime,
            prefix_len: p.prefix_len,
            on_link: p.on_link,
            autonomous: p.autonomous,
            router_address: p.router_address,
        }
    }
}

impl From<Pio> for PrefixInformation {
    fn from(p: Pio) -> Self {
        PrefixInformation {
            prefix_len: p.prefix_len,
            on_link: p.on_link,
            autonomous: p.autonomous,
            router_address: p.router_address,
            reserved1: 0,
            valid_lifetime: p.valid_lifetime,
            preferred_lifetime: p.preferred_lifetime,
            reserved2: 0,
            prefix: p.prefix,
        }
    }
}

/// The DODAG a node is in (or knows, while detached).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dodag {
    pub(crate) instance_id: u8,
    pub(crate) dodag_id: Ipv6Addr,
    pub(crate) version: u8,
    pub(crate) mop: ModeOfOperation,
    pub(crate) grounded: bool,
    pub(crate) preference: u8,
    pub(crate) config: DodagConfiguration,
    pub(crate) prefix: Option<Pio>,
    // No `Of`: a non-root's is always `Of::from_ocp` of `config` (both
    // are set together), and a root never uses its own (see `Dag::of`).
}

/// The DODAG state machine of one RPL instance (see the module docs).
#[derive(Debug, Clone)]
pub struct Dag<S> {
    role: Role,
    parents: ParentSet<S>,
    trickle: Trickle,
    dodag: Option<Dodag>,
    rank: u16,
    dtsn: u8,
    /// The last DTSN heard from the preferred parent.
    parent_dtsn: Option<u8>,
    /// End of the poisoning period of a local repair.
    poison_until: Deadline,
    /// Next DIS (None: to be armed at the next poll).
    dis_at: Deadline,
    /// The DIS interval in whole seconds (its bounds are whole seconds).
    dis_interval: u8,
}

impl<S: Slots<ParentEntry>> Dag<S> {
    /// A DODAG root advertising `config`. `parents` is unused storage
    /// (a root has no parents: `[ParentEntry; 0]` will do). Its Trickle
    /// timer starts at the first [`Dag::poll`].
    pub fn root(config: RootConfig, parents: ParentSet<S>) -> Self {
        let of = config.of;
        // `of` goes no further than the configuration it advertises and
        // the root's rank: a root never chooses parents.
        let dodag = Dodag {
            instance_id: config.instance_id,
            dodag_id: config.dodag_id,
            version: config.version,
            mop: config.mop,
            grounded: config.grounded,
            preference: config.preference & 0x07,
            config: config.dodag_configuration(),
            prefix: config.prefix.map(Pio::from),
        };
        let params = TrickleParams::from_dodag_config(&dodag.config);
        Dag {
            role: Role::Root,
            parents,
            trickle: Trickle::new(params),
            dodag: Some(dodag),
            rank: root_rank(of.min_hop_rank_increase()),
            dtsn: LOLLIPOP_INIT,
            parent_dtsn: None,
            poison_until: Deadline::NONE,
            dis_at: Deadline::NONE,
            dis_interval: DIS_INITIAL_SECS,
        }
    }

    /// A router that has not joined yet, keeping candidates in `parents`.
    pub fn router(parents: ParentSet<S>) -> Self {
        Self::non_root(Role::Router, parents)
    }

    /// A leaf that has not joined yet (never sends DIOs).
    pub fn leaf(parents: ParentSet<S>) -> Self {
        Self::non_root(Role::Leaf, parents)
    }

    fn non_root(role: Role, mut parents: ParentSet<S>) -> Self {
        parents.clear();
        Dag {
            role,
            parents,
            trickle: Trickle::new(TrickleParams::SIXLO_DEFAULT),
            dodag: None,
            rank: INFINITE_RANK,
            dtsn: LOLLIPOP_INIT,
            parent_dtsn: None,
            poison_until: Deadline::NONE,
            dis_at: Deadline::NONE,
            dis_interval: DIS_INITIAL_SECS,
        }
    }

    /// The node's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The node's rank ([`INFINITE_RANK`] when not joined).
    pub fn rank(&self) -> u16 {
        self.rank
    }

    /// The preferred parent (never for a root).
    pub fn preferred_parent(&self) -> Option<&ParentEntry> {
        self.parents.preferred()
    }

    /// The parent candidates.
    pub fn parents(&self) -> &ParentSet<S> {
        &self.parents
    }

    /// Whether the node is in a DODAG with a finite rank (a root always).
    pub fn joined(&self) -> bool {
        self.role == Role::Root || (self.dodag.is_some() && self.parents.preferred().is_some())
    }

    /// Whether a local repair is advertising INFINITE_RANK.
    pub fn poisoning(&self) -> bool {
        self.poison_until.is_some()
    }

    /// The DODAG's version, when one is known.
    pub fn version(&self) -> Option<u8> {
        self.dodag.map(|d| d.version)
    }

    /// The DODAGID and instance, when a DODAG is known.
    pub fn dodag_id(&self) -> Option<(u8, Ipv6Addr)> {
        self.dodag.map(|d| (d.instance_id, d.dodag_id))
    }

    /// The node's DTSN.
    pub fn dtsn(&self) -> u8 {
        self.dtsn
    }

    /// Increments the node's DTSN (RFC 6550 §9.6: asks the sub-DODAG to
    /// refresh its DAOs) and resets Trickle so the new value spreads.
    pub fn increment_dtsn(&mut self, now: Instant, rng: &mut Rng) {
        self.dtsn = lollipop_increment(self.dtsn);
        self.trickle.inconsistent(now, rng);
    }

    /// The Trickle timer (read only).
    pub fn trickle(&self) -> &Trickle {
        &self.trickle
    }

    /// The DIO to send, `None` when no DODAG is known or the node is
    /// detached and not poisoning (it has nothing to advertise). A joined
    /// leaf gets its values too, but [`Dag::poll`] and [`Dag::on_dis`]
    /// never ask it to send them.
    pub fn dio(&self) -> Option<DioContent> {
        let d = self.advertised()?;
        Some(DioContent {
            instance_id: d.instance_id,
            version: d.version,
            rank: self.rank,
            grounded: d.grounded,
            mop: d.mop,
            preference: d.preference,
            dtsn: self.dtsn,
            dodag_id: d.dodag_id,
            config: Some(d.config),
            prefix: d.prefix.map(PrefixInformation::from),
        })
    }

    /// The DODAG whose values [`Dag::dio`] advertises (same condition),
    /// read in place: the instance's per-packet questions (mode of
    /// operation, lifetimes) need one field, not a whole [`DioContent`].
    pub(crate) fn advertised(&self) -> Option<&Dodag> {
        let d = self.dodag.as_ref()?;
        (self.joined() || self.poisoning()).then_some(d)
    }

    fn sends_dio(&self) -> bool {
        self.role != Role::Leaf && self.advertised().is_some()
    }

    /// Processes a parsed DIO from `from_ip` / `from_ll` whose link has
    /// `link_etx` (ETX × 128, `None` without statistics).
    #[inline(never)]
    pub fn on_dio(
        &mut self,
        now: Instant,
        from_ip: Ipv6Addr,
        from_ll: Address,
        dio: &Dio<'_>,
        link_etx: Option<u16>,
        rng: &mut Rng,
    ) -> DioOutcome {
        // Parse: pick the options used here; a malformed option list drops
        // the whole DIO (RFC 6550 §6.7.1: options are validated first).
        let mut config = None;
        let mut prefix = None;
        for opt in dio.options.iter() {
            match opt {
                Ok(OptionRepr::DodagConfiguration(c)) => config = Some(c),
                Ok(OptionRepr::PrefixInformation(p)) => prefix = Some(p),
                Ok(_) => {}
                Err(_) => return DioOutcome::Ignored,
            }
        }
        // Process.
        if self.role == Role::Root {
            self.root_on_dio(now, dio, rng);
            return DioOutcome::Ignored;
        }
        if self.poisoning() {
            // RFC 6550 §8.2.2.5: while poisoning, the node must not take a
            // parent (it could be its own former child).
            return DioOutcome::Ignored;
        }
        let known = self
            .dodag
            .as_ref()
            .filter(|d| d.instance_id == dio.rpl_instance_id && d.dodag_id == dio.dodag_id);
        // `None`: a DODAG joined afresh; `Some(was_joined)`: a new version
        // of ours. Both then choose among the DIO's version only.
        let was_joined = match known.map(|d| d.version) {
            None => {
                if self.joined() && !self.better_dodag(dio) {
                    return DioOutcome::Ignored;
                }
                if let Some(o) = self.join(from_ip, dio, config) {
                    return o;
                }
                None
            }
            Some(v) if lollipop_newer(dio.version_number, v) => Some(self.new_version(dio, config)),
            Some(v) => {
                return self.same_version(now, from_ip, from_ll, dio, config, prefix, link_etx, rng, v);
            }
        };
        // Both take the DIO's PIO, when it carries one.
        if prefix.is_some() {
            if let Some(d) = self.dodag.as_mut() {
                d.prefix = prefix.map(Pio::from);
            }
        }
        self.parents.set_version(dio.version_number);
        self.parent_dtsn = None;
        if dio.rank != INFINITE_RANK {
            let of = self.of();
            self.parents.update(&of, DioInfo::from_dio(from_ip, from_ll, dio), link_etx, now);
        }
        let outcome = self.reselect(now, rng, None, from_ip, dio.dtsn);
        match (was_joined, outcome) {
            (None, o) => o,
            (Some(_), DioOutcome::Joined) => {
                // RFC 6550 §8.3: joining a new DODAG version is an
                // inconsistency.
                self.trickle.inconsistent(now, rng);
                DioOutcome::Joined
            }
            (Some(was_joined), _) => {
                self.trickle.stop();
                self.dis_at = Deadline::NONE;
                if was_joined { DioOutcome::Detached } else { DioOutcome::NoChange }
            }
        }
    }

    /// A DIO of the DODAG version we are in (or an older one).
    #[allow(clippy::too_many_arguments)]
    fn same_version(
        &mut self,
        now: Instant,
        from_ip: Ipv6Addr,
        from_ll: Address,
        dio: &Dio<'_>,
        config: Option<DodagConfiguration>,
        prefix: Option<PrefixInformation>,
        link_etx: Option<u16>,
        rng: &mut Rng,
        version: u8,
    ) -> DioOutcome {
        if dio.version_number != version {
            // RFC 6550 §8.2.2.1: a node of an older version cannot be a
            // parent; its DIO is an inconsistency (§8.3 list is not
            // exhaustive): reset Trickle so it hears the new version soon.
            let old = self.parents.preferred().map(|p| p.info.ip);
            self.parents.remove(&from_ip);
            self.trickle.inconsistent(now, rng);
            if old == Some(from_ip) {
                // Our preferred parent went back in time: choose again.
                return self.reselect(now, rng, old, from_ip, dio.dtsn);
            }
            return DioOutcome::Ignored;
        }
        if let Some(c) = config {
            self.apply_config(c);
        }
        let old = self.parents.preferred().map(|p| p.info.ip);
        let was_preferred = old == Some(from_ip);
        if prefix.is_some() && (was_preferred || !self.joined()) {
            if let Some(dd) = self.dodag.as_mut() {
                dd.prefix = prefix.map(Pio::from);
            }
        }
        let mut dao = false;
        let set_changed = if dio.rank == INFINITE_RANK {
            // RFC 6550 §8.2.2.5: a neighbour advertising INFINITE_RANK
            // has detached: it is no parent any more.
            self.parents.remove(&from_ip).is_some()
        } else {
            if was_preferred {
                // RFC 6550 §9.6: a DTSN increment from the preferred parent
                // asks for new DAOs.
                if self.parent_dtsn.is_some_and(|old| lollipop_newer(dio.dtsn, old)) {
                    dao = true;
                }
                self.parent_dtsn = Some(dio.dtsn);
            }
            let of = self.of();
            let info = DioInfo::from_dio(from_ip, from_ll, dio);
            self.parents.update(&of, info, link_etx, now) != Update::Updated
        };
        let outcome = self.reselect(now, rng, old, from_ip, dio.dtsn);
        match outcome {
            // RFC 6550 §9.6: in storing mode the increment is passed down;
            // the caller does it ([`Dag::increment_dtsn`]), paced (see
            // `rpl::instance::DTSN_HOLDOFF`).
            DioOutcome::NoChange if dao => DioOutcome::DaoNeeded,
            DioOutcome::NoChange => {
                // RFC 6550 §8.3: a DIO from a lesser DAGRank that changes
                // neither parent set, preferred parent nor rank is
                // consistent.
                let of = self.of();
                let mhri = of.min_hop_rank_increase();
                if !set_changed && super::dag_rank(dio.rank, mhri) < super::dag_rank(self.rank, mhri) {
                    self.trickle.consistent();
                }
                DioOutcome::NoChange
            }
            o => o,
        }
    }

    /// Whether a DIO advertises another DODAG of our instance that is
    /// preferable to ours: grounded over floating, then the higher
    /// DODAGPreference (RFC 6552 §4.2.1's order, which sixlo's MRHOF
    /// follows too). A node then moves to it (a new join, RFC 6550 §8.2.3
    /// lets a node join another DODAG of its instance); DODAGs that are
    /// only as good never cause a move.
    fn better_dodag(&self, dio: &Dio<'_>) -> bool {
        let Some(cur) = self.dodag else { return true };
        if dio.rpl_instance_id != cur.instance_id || dio.rank == INFINITE_RANK {
            return false;
        }
        (dio.grounded, dio.dodag_preference & 0x07) > (cur.grounded, cur.preference)
    }

    /// The objective function of the DODAG joined (only non-roots ask):
    /// the one its DODAG Configuration names, with its
    /// MinHopRankIncrease, as [`Dag::join`] and `apply_config` checked it
    /// exists before taking the configuration. Of0 without a DODAG.
    #[inline(never)]
    fn of(&self) -> Of {
        self.dodag
            .and_then(|d| Of::from_ocp(d.config.objective_code_point, d.config.minimum_hop_rank_increase))
            .unwrap_or(Of::Of0(super::Of0::default()))
    }

    fn apply_config(&mut self, c: DodagConfiguration) {
        let Some(d) = self.dodag.as_mut() else { return };
        if d.config == c {
            return;
        }
        // RFC 6550 §18.6: a configuration naming an OF sixlo lacks is not
        // taken (`Dag::of` derives the OF from the configuration kept).
        if Of::from_ocp(c.objective_code_point, c.minimum_hop_rank_increase).is_none() {
            return;
        }
        d.config = c;
        self.parents.set_max_rank_increase(c.max_rank_increase);
        // Takes effect at the next Trickle start.
        self.trickle.set_params(TrickleParams::from_dodag_config(&c));
    }

    /// Root: a DIO of its own DODAG.
    fn root_on_dio(&mut self, now: Instant, dio: &Dio<'_>, rng: &mut Rng) {
        let Some(d) = self.dodag.as_mut() else { return };
        if dio.rpl_instance_id != d.instance_id || dio.dodag_id != d.dodag_id {
            return;
        }
        if lollipop_newer(dio.version_number, d.version) {
            // A version newer than ours (we rebooted and forgot it): move
            // past it so the DODAG follows us (as Contiki-NG's root does).
            d.version = lollipop_increment(dio.version_number);
            self.trickle.inconsistent(now, rng);
        } else if dio.version_number != d.version {
            // RFC 6550 §8.3: a stale version is out there; reset.
            self.trickle.inconsistent(now, rng);
        }
    }

    /// Sets up the DODAG of `dio` to join (no DODAG joined yet, or a
    /// better one); `Some`: it cannot be joined.
    fn join(
        &mut self,
        from_ip: Ipv6Addr,
        dio: &Dio<'_>,
        config: Option<DodagConfiguration>,
    ) -> Option<DioOutcome> {
        if dio.rank == INFINITE_RANK {
            return Some(DioOutcome::Ignored);
        }
        let Some(config) = config else {
            // RFC 6550 §8.3: probe the sender with a unicast DIS; its
            // answer must carry the DODAG Configuration option.
            return Some(DioOutcome::NeedConfig { to: from_ip });
        };
        // RFC 6550 §18.6: sixlo does not join a DODAG whose OF it lacks.
        if Of::from_ocp(config.objective_code_point, config.minimum_hop_rank_increase).is_none() {
            return Some(DioOutcome::Ignored);
        }
        self.dodag = Some(Dodag {
            instance_id: dio.rpl_instance_id,
            dodag_id: dio.dodag_id,
            version: dio.version_number,
            mop: dio.mode_of_operation,
            grounded: dio.grounded,
            preference: dio.dodag_preference,
            config,
            prefix: None,
        });
        self.parents.clear();
        self.parents.set_max_rank_increase(config.max_rank_increase);
        self.trickle.stop();
        self.trickle.set_params(TrickleParams::from_dodag_config(&config));
        self.rank = INFINITE_RANK;
        None
    }

    /// RFC 6550 §8.2.2.1: the DODAG moved to a newer version (global
    /// repair): takes its values; the caller then chooses parents among
    /// the new version only (entries of the old one stay but cannot be
    /// chosen; L restarts). Whether the node had a parent.
    fn new_version(&mut self, dio: &Dio<'_>, config: Option<DodagConfiguration>) -> bool {
        if let Some(c) = config {
            self.apply_config(c);
        }
        if let Some(d) = self.dodag.as_mut() {
            d.version = dio.version_number;
            d.grounded = dio.grounded;
            d.preference = dio.dodag_preference;
            d.mop = dio.mode_of_operation;
        }
        self.parents.preferred().is_some()
    }

    /// Re-runs parent selection after the parent set changed.
    /// `old` is the preferred parent before the set changed.
    fn reselect(
        &mut self,
        now: Instant,
        rng: &mut Rng,
        old: Option<Ipv6Addr>,
        from_ip: Ipv6Addr,
        from_dtsn: u8,
    ) -> DioOutcome {
        let of = self.of();
        let prev_rank = self.rank;
        let mut new = self.parents.select_preferred(&of).map(|p| (p.info.ip, p.info.rank));
        if let (Some(_), Some((ip, rank))) = (old, new) {
            if Some(ip) != old && prev_rank != INFINITE_RANK && rank >= prev_rank {
                // Another parent whose rank is not below ours: it may be in
                // our own sub-DODAG (our parent got worse or went away), and
                // taking it would make a loop whose ranks count up (RFC 6550
                // §8.2.2.4 bounds that only after MaxRankIncrease). Such
                // candidates are dropped; with nothing better left the node
                // detaches and poisons, and its sub-DODAG detaches too
                // (RFC 6550 §8.2.2.5), before joining afresh.
                loop {
                    let higher = self.parents.iter().find(|e| e.info.rank >= prev_rank).map(|e| e.info.ip);
                    let Some(ip) = higher else { break };
                    self.parents.remove(&ip);
                }
                new = self.parents.select_preferred(&of).map(|p| (p.info.ip, p.info.rank));
            }
        }
        let new = new.map(|(ip, _)| ip);
        self.rank = self.parents.rank(&of);
        let mhri = of.min_hop_rank_increase();
        if new.is_some()
            && new == old
            && prev_rank != INFINITE_RANK
            && super::dag_rank(self.rank, mhri) > super::dag_rank(prev_rank, mhri)
        {
            // Our DAGRank grew (the parent's rank or link got worse):
            // children still think us shallower than we are, and their
            // packets would show rank errors until our next DIO, which at
            // Imax is minutes away. Tell them soon (sixlo; Contiki-NG too
            // resets Trickle when the rank changes notably).
            self.trickle.inconsistent(now, rng);
        }
        if new != old && new == Some(from_ip) {
            self.parent_dtsn = Some(from_dtsn);
        } else if new != old {
            self.parent_dtsn = None;
        }
        match (old, new) {
            (_, None) => {
                self.rank = INFINITE_RANK;
                if old.is_some() {
                    self.detach(now, rng);
                    DioOutcome::Detached
                } else {
                    DioOutcome::NoChange
                }
            }
            (None, Some(_)) => {
                self.enter_joined(now, rng);
                DioOutcome::Joined
            }
            (Some(a), Some(b)) if a != b => {
                // RFC 6550 §8.3 allows more inconsistencies than it lists;
                // a new preferred parent is one (as in Contiki-NG), so the
                // sub-DODAG learns the new rank quickly.
                self.trickle.inconsistent(now, rng);
                DioOutcome::ParentChanged
            }
            _ => DioOutcome::NoChange,
        }
    }

    fn enter_joined(&mut self, now: Instant, rng: &mut Rng) {
        self.dis_at = Deadline::NONE;
        self.dis_interval = DIS_INITIAL_SECS;
        if self.role == Role::Router && !self.trickle.is_running() {
            // RFC 6550 §8.3: joining is an inconsistency: start at Imin.
            self.trickle.start(now, rng);
        }
    }

    /// Leaves the DODAG: a router poisons (RFC 6550 §8.2.2.5), a leaf
    /// just goes silent.
    fn detach(&mut self, now: Instant, rng: &mut Rng) {
        let lowest = self.parents.lowest_rank();
        self.parents.clear();
        if let Some(d) = self.dodag {
            // Rejoin within the same version, still bound by L + MaxRankIncrease
            // (RFC 6550 §8.2.2.4: L is per version, and the version has not
            // changed): nodes cut off from the root cannot rejoin each other
            // at ever higher ranks. A new version lifts the bound.
            self.parents.set_version(d.version);
            if let Some(l) = lowest {
                self.parents.set_lowest_rank(l);
            }
        }
        self.parent_dtsn = None;
        self.rank = INFINITE_RANK;
        self.dis_at = Deadline::NONE;
        self.dis_interval = DIS_INITIAL_SECS;
        self.trickle.stop();
        if self.role == Role::Router && self.dodag.is_some() {
            let imin = self.trickle.params().imin.total_micros().max(1);
            self.poison_until = Deadline::at(now + Duration::from_micros(imin.saturating_mul(POISON_IMINS)));
            // Start at Imin so the poison spreads at once.
            self.trickle.start(now, rng);
        }
    }

    /// Local repair (RFC 6550 §8.2.2.5): drops every parent, advertises
    /// INFINITE_RANK for [`POISON_IMINS`] × Imin (routers), then looks
    /// for a parent again (DIS backoff, next DIO). No effect on a root.
    pub fn local_repair(&mut self, now: Instant, rng: &mut Rng) {
        if self.role != Role::Root {
            self.detach(now, rng);
        }
    }

    /// Global repair (RFC 6550 §8.2.2.1), root only: increments the
    /// DODAGVersionNumber (lollipop, §7.2) and resets Trickle (§8.3).
    /// Returns `false` on a non-root.
    pub fn global_repair(&mut self, now: Instant, rng: &mut Rng) -> bool {
        if self.role != Role::Root {
            return false;
        }
        if let Some(d) = self.dodag.as_mut() {
            d.version = lollipop_increment(d.version);
        }
        if self.trickle.is_running() {
            self.trickle.inconsistent(now, rng);
        } else {
            self.trickle.start(now, rng);
        }
        true
    }

    /// Removes a parent found unreachable (e.g. by the MAC or NUD, RFC
    /// 6550 §8.2.1); may change the preferred parent or detach.
    pub fn parent_unreachable(&mut self, now: Instant, ip: Ipv6Addr, rng: &mut Rng) -> DioOutcome {
        let old = self.parents.preferred().map(|p| p.info.ip);
        if self.role == Role::Root || self.parents.remove(&ip).is_none() {
            return DioOutcome::Ignored;
        }
        // The DTSN argument is unused: `ip` can no longer be chosen.
        self.reselect(now, rng, old, ip, 0)
    }

    /// Refreshes the candidates' link metrics (ETX × 128 from the MAC) and
    /// chooses the preferred parent again: MRHOF follows link quality
    /// between DIOs (RFC 6719 §3.2). The outcome is as for a DIO.
    pub fn refresh_links(
        &mut self,
        now: Instant,
        etx: impl FnMut(Address) -> Option<u16>,
        rng: &mut Rng,
    ) -> DioOutcome {
        if self.role == Role::Root || self.poisoning() || self.dodag.is_none() {
            return DioOutcome::Ignored;
        }
        // Detached nodes too: a candidate whose link was too poor may have
        // become usable (probing refreshes its statistics).
        let old = self.parents.preferred().map(|p| p.info.ip);
        self.parents.update_link_metrics(etx);
        self.reselect(now, rng, old, Ipv6Addr::UNSPECIFIED, 0)
    }

    /// An inconsistency seen in the data path (RFC 6550 §11.2.2.3: a rank
    /// error seen twice): resets Trickle so that DIOs go out soon.
    pub fn inconsistency(&mut self, now: Instant, rng: &mut Rng) {
        if self.trickle.is_running() {
            self.trickle.inconsistent(now, rng);
        }
    }

    /// Processes a DIS from `from`, `unicast` when sent to our unicast
    /// address. Solicited Information predicates are not checked (every
    /// DIS is taken as matching). Returns the DIO to send for a unicast
    /// DIS.
    pub fn on_dis(
        &mut self,
        now: Instant,
        from: Ipv6Addr,
        unicast: bool,
        rng: &mut Rng,
    ) -> Option<DagAction> {
        if !self.sends_dio() {
            return None;
        }
        if unicast {
            // RFC 6550 §8.3: answer a unicast DIS with a unicast DIO that
            // carries the DODAG Configuration option, without a Trickle
            // reset (RIOT joins only through this answer).
            Some(DagAction::ReplyDio { to: from })
        } else {
            // RFC 6550 §8.3: a multicast DIS is an inconsistency.
            self.trickle.inconsistent(now, rng);
            None
        }
    }

    /// What to send now, if anything: a multicast DIO when Trickle fires,
    /// a multicast DIS when no DODAG is joined. Also ends a poisoning
    /// period and starts a root's Trickle timer.
    pub fn poll(&mut self, now: Instant, rng: &mut Rng) -> Option<DagAction> {
        if self.poison_until.get().is_some_and(|t| now >= t) {
            self.poison_until = Deadline::NONE;
            self.trickle.stop();
        }
        if self.role == Role::Root && !self.trickle.is_running() {
            self.trickle.start(now, rng);
        }
        if self.trickle.is_running() {
            let fire = self.trickle.poll(now, rng);
            return (fire && self.sends_dio()).then_some(DagAction::MulticastDio);
        }
        if self.joined() {
            // A joined leaf: nothing to send.
            return None;
        }
        match self.dis_at.get() {
            None => {
                let delay = uniform_below(rng, DIS_START_DELAY.total_micros());
                self.dis_at = Deadline::at(now + Duration::from_micros(delay));
                self.dis_interval = DIS_INITIAL_SECS;
                None
            }
            Some(t) if now >= t => {
                self.dis_at = Deadline::at(now + Duration::from_secs(u64::from(self.dis_interval)));
                self.dis_interval = self.dis_interval.saturating_mul(2).min(DIS_MAX_SECS);
                Some(DagAction::MulticastDis)
            }
            Some(_) => None,
        }
    }

    /// When to call [`Dag::poll`] next ([`Instant::ZERO`]: now).
    pub fn poll_at(&self) -> Instant {
        let mut at = Instant::MAX;
        if let Some(t) = self.poison_until.get() {
            at = at.min(t);
        }
        if self.role == Role::Root && !self.trickle.is_running() {
            return Instant::ZERO;
        }
        if self.trickle.is_running() {
            return at.min(self.trickle.poll_at());
        }
        if self.joined() {
            return at;
        }
        at.min(self.dis_at.get().unwrap_or(Instant::ZERO))
    }
}

/// A uniform value in `0..n` (0 when `n` is 0).
fn uniform_below(rng: &mut Rng, n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pio_kept_without_reserved_fields() {
        let mut p = PrefixInformation::autoconf(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0), 64);
        p.on_link = true;
        p.valid_lifetime = 7;
        p.preferred_lifetime = 5;
        assert_eq!(PrefixInformation::from(Pio::from(p)), p);
        // RFC 6550 §6.7.10: reserved bits heard are not sent on.
        let heard = PrefixInformation { reserved1: 0x1f, reserved2: 9, ..p };
        assert_eq!(PrefixInformation::from(Pio::from(heard)), p);
        assert_eq!(core::mem::size_of::<Option<Pio>>(), 28);
    }

    #[test]
    fn lollipop_linear_and_circular() {
        assert!(lollipop_newer(241, 240));
        assert!(!lollipop_newer(240, 241));
        assert!(!lollipop_newer(240, 240));
        assert!(lollipop_newer(5, 3));
        assert!(!lollipop_newer(3, 5));
        // Across the circular wrap.
        assert!(lollipop_newer(2, 126));
        assert!(!lollipop_newer(126, 2));
        // Desynchronised circular counters.
        assert!(!lollipop_newer(60, 10));
        assert!(!lollipop_newer(10, 60));
        // Linear vs circular: RFC 6550 §7.2.
        assert!(lollipop_newer(0, 255)); // 256 + 0 − 255 = 1 ≤ 16
        assert!(lollipop_newer(10, 250)); // 16 ≤ 16
        assert!(!lollipop_newer(250, 10));
        assert!(lollipop_newer(240, 20)); // 256 + 20 − 240 = 36 > 16
        assert!(!lollipop_newer(20, 240));
        assert!(lollipop_newer(128, 100));
    }

    #[test]
    fn lollipop_increment_wraps() {
        assert_eq!(lollipop_increment(240), 241);
        assert_eq!(lollipop_increment(255), 0);
        assert_eq!(lollipop_increment(127), 0);
        assert_eq!(lollipop_increment(5), 6);
        let mut v = LOLLIPOP_INIT;
        for _ in 0..300 {
            let n = lollipop_increment(v);
            assert!(lollipop_newer(n, v), "{n} > {v}");
            v = n;
        }
    }
}
