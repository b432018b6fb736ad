//! Helpers shared by the binary's integration tests (each `tests/*.rs` is its own crate and
//! includes this module with `mod common;`).

/// A TCP port on loopback that was free a moment ago, for a server the test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
