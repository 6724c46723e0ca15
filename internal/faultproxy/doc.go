// Package faultproxy is a TCP proxy for tests that puts a controllable link
// between a program and a server it depends on (Redis, here), so that the
// fault-injection tests can do to the link what a network does: add
// latency, drop traffic silently, reset every connection, or cut the link.
//
// It has no dependency beyond the standard library. A Proxy listens on a
// free loopback port; every connection accepted there gets its own
// connection to the target, and two pumps copy bytes between them, each
// consulting the proxy's current faults for every chunk it reads:
//
//   - SetLatency delays every chunk the target sends back by mean ± jitter
//     (uniform), keeping the stream's order: each round trip through the
//     proxy takes that much longer, as toxiproxy's latency toxic on its
//     downstream stream.
//   - Blackhole reads and discards what either side sends, without closing
//     anything: callers wait until their own deadlines, as behind a
//     firewall that drops packets (toxiproxy's timeout toxic with 0).
//     A connection opened while it is on is accepted and then starved.
//   - ResetAll closes every connection with a TCP RST on both sides, as a
//     load balancer or a NAT table losing its state does.
//   - Cut closes every connection and, while on, resets each new one as
//     soon as it is accepted: the link is down and says so.
//
// Conns reports how many proxied connections are open, so that tests can
// check that a program does not leak connections across faults.
package faultproxy
