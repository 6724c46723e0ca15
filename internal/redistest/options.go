package redistest

// Option configures a server started by Start.
type Option func(*config)

type config struct {
	aof      bool
	password string
	tls      bool
	extra    []string
}

// WithAOF turns on the append-only file with appendfsync always, the
// configuration under which every write Redis acknowledged survives a
// SIGKILL: what the store's durability promise assumes.
func WithAOF() Option { return func(c *config) { c.aof = true } }

// WithPassword makes the server require a password (requirepass), so that
// tests cover credentials in the store URL.
func WithPassword(p string) Option { return func(c *config) { c.password = p } }

// WithConfig adds configuration directives as name, value pairs, e.g.
// WithConfig("maxmemory-policy", "volatile-lru"), for tests of settings
// the store must warn about.
func WithConfig(nameValues ...string) Option {
	return func(c *config) { c.extra = append(c.extra, nameValues...) }
}

// args returns the command-line directives of the configuration.
func (c *config) args() []string {
	args := []string{"--appendonly", "no"}
	if c.aof {
		args = []string{"--appendonly", "yes", "--appendfsync", "always"}
	}
	if c.password != "" {
		args = append(args, "--requirepass", c.password)
	}
	for i, a := range c.extra {
		if i%2 == 0 {
			a = "--" + a
		}
		args = append(args, a)
	}
	return args
}
