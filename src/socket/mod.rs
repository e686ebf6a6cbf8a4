//! Sockets: the application's side of the stack.
//!
//! - [`udp`]: UDP sockets (RFC 768) over caller-provided buffers, the API a
//!   CoAP library sits on (`send_to`, `recv_from`).
//! - [`SocketSet`]: a bounded set of them in caller storage, with the two
//!   entry points the node calls: [`SocketSet::deliver`] for a received
//!   datagram and [`SocketSet::dequeue_tx`] for the next one to send.
//!
//! ```
//! use core::net::Ipv6Addr;
//! use sixlo::socket::{SocketSet, SocketSlot, udp::{Delivery, Endpoint, UdpSocket}};
//!
//! let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
//! let mut slots = [SocketSlot::EMPTY; 2];
//! let mut sockets = SocketSet::new(&mut slots[..]);
//! let mut server = UdpSocket::new(&mut rx, &mut tx);
//! server.bind(5683).unwrap();
//! let h = sockets.add(server).unwrap();
//!
//! // The node received a datagram for port 5683.
//! let me = Endpoint::new(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1), 5683);
//! let peer = Endpoint::new(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2), 40000);
//! assert_eq!(sockets.deliver(peer, me, 64, b"ping"), Delivery::Delivered);
//!
//! // The application answers.
//! let socket = sockets.get_mut(h).unwrap();
//! let mut buf = [0u8; 64];
//! let (n, meta) = socket.recv_from(&mut buf).unwrap();
//! socket.send_to(&buf[..n], meta).unwrap();
//!
//! // The node sends it.
//! let sent = sockets.dequeue_tx(|_, meta, payload| {
//!     Ok::<_, ()>((meta.remote, meta.src_port, meta.local_addr, payload.len()))
//! });
//! assert_eq!(sent, Some(Ok((peer, 5683, Some(me.addr), 4))));
//! ```

mod ring;
mod set;
pub mod udp;

pub use set::{AddError, SetStats, SocketHandle, SocketSet, SocketSlot};
