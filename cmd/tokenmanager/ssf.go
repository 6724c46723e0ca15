package main

import (
	"context"
	"net"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/service"
	"github.com/tokenmanager/tokenmanager/ssf"
)

// startSSF builds the Shared Signals transmitter over the service's store
// and starts its push worker, which Close stops. Its issuer (the iss of
// its SETs, the base of its endpoints) is the server's public base URL
// (see publicBase). Nil when the store keeps no event streams.
func (m *Main) startSSF(svc *service.Service, reg prometheus.Registerer) *ssf.Transmitter {
	store, ok := svc.Store().(tokenmanager.EventStore)
	if !ok {
		return nil
	}
	base := publicBase(m.Config, m.listener.Addr())
	tx := ssf.New(ssf.Config{Store: store, Sessions: svc.Store(), Sign: svc.Codec().SignSET, Issuer: base,
		SubjectIssuer: svc.Manager.Config().Issuer, Registry: reg, Logger: m.Logger})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); tx.Run(ctx) }()
	m.stopSSF = func() { cancel(); <-done }
	return tx
}

// publicBase is the server's address as clients reach it: --public-url,
// else --issuer when it is an http(s) URL, else the address the server
// listens on.
func publicBase(c *Config, addr net.Addr) string {
	base := c.PublicURL
	if base == "" && (strings.HasPrefix(c.Issuer, "https://") || strings.HasPrefix(c.Issuer, "http://")) {
		base = c.Issuer
	}
	if base == "" {
		host, port, _ := net.SplitHostPort(addr.String())
		if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
			host = "localhost"
		}
		base = "http://" + net.JoinHostPort(host, port)
	}
	return strings.TrimSuffix(base, "/")
}
