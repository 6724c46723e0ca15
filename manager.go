package tokenmanager

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"
)

// CheckMode says how Verify consults the cancelled set.
type CheckMode string

// The check modes.
const (
	// CheckReplica checks the in-memory replica: no I/O per request.
	CheckReplica CheckMode = "replica"
	// CheckStrict asks the store on every request, as the original design
	// did: slower, and unavailable whenever the store is.
	CheckStrict CheckMode = "strict"
	// CheckOff skips the cancelled set. It exists only as a benchmark
	// baseline: cancelled tokens are accepted.
	CheckOff CheckMode = "off"
)

// ParseCheckMode validates a --revocation-check value.
func ParseCheckMode(s string) (CheckMode, error) {
	switch m := CheckMode(s); m {
	case CheckReplica, CheckStrict, CheckOff:
		return m, nil
	}
	return "", Errorf(EInvalid, "revocation check %q is not one of replica, strict, off", s)
}

// Config holds the token policy of a Manager.
type Config struct {
	Issuer     string
	Audience   []string
	AccessTTL  time.Duration // lifetime of access tokens; default 5m
	RefreshTTL time.Duration // lifetime of a refresh token from its issue; default 720h
	// ReuseGrace is how long a just-retired refresh token still returns
	// the session's current pair (two tabs refreshing at once) instead of
	// being treated as stolen. 0 turns the grace off.
	ReuseGrace time.Duration
	// Leeway is added to every expiry in the cancelled set, matching the
	// clock skew the codec tolerates.
	Leeway time.Duration
	Check  CheckMode
	Now    func() time.Time
	// ClockMargin is how far the clocks of the instances sharing a store
	// may disagree once corrected by Clock (half a round trip to the store
	// and a little). A shared store stamps cut-offs this far ahead of its
	// own clock, and a cancellation returns once every instance's clock has
	// passed its cut-off. Default 10ms.
	ClockMargin time.Duration
	// VerifyCacheMemory bounds, in bytes, the cache of verified access
	// tokens, so that a token presented again skips its signature and
	// JSON (the cancelled set is still checked on every call). 0 means
	// DefaultVerifyCacheMemory (32 MiB); a negative value turns it off.
	VerifyCacheMemory int64
}

func (c *Config) setDefaults() {
	if c.AccessTTL <= 0 {
		c.AccessTTL = 5 * time.Minute
	}
	if c.RefreshTTL <= 0 {
		c.RefreshTTL = 720 * time.Hour
	}
	if c.Check == "" {
		c.Check = CheckReplica
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ClockMargin <= 0 {
		c.ClockMargin = 10 * time.Millisecond
	}
	if c.VerifyCacheMemory == 0 {
		c.VerifyCacheMemory = DefaultVerifyCacheMemory
	}
}

// Manager issues, verifies, refreshes and cancels tokens. It is the
// library's main entry point: a service with its own users needs only a
// Manager and the http package's middleware.
type Manager struct {
	cfg        Config
	codec      TokenCodec
	sessions   SessionStore
	cancels    CancellationStore
	replica    *Replica
	refreshKey atomic.Pointer[[]byte] // SetRefreshKey replaces it after a store's data loss
	verified   *tokenCaches
	cheap      CheapVerifier // the codec, when it knows its cheap keys; nil otherwise
	log        *slog.Logger
	// OnCancel, when set, is called after each acknowledged cancellation
	// (for metrics and events).
	OnCancel func(Cancellation)
	// Admit, when set, is asked by Refresh whether the session's subject
	// may still refresh (a disabled account may not: Accounts.Admit); its
	// error refuses the refresh. It is asked after the new tokens' issue
	// time is taken, so a Disable that it misses cancels them.
	Admit func(ctx context.Context, subject string) error
	// Status, when set, gives every access token an entry in a Token
	// Status List and sets the entries of what is cancelled, before the
	// cancellation is acknowledged (status.go).
	Status *StatusLists
}

// NewManager returns a Manager that signs with codec, keeps sessions and
// cancellations in the given stores, checks tokens against replica, and
// derives refresh tokens from refreshKey.
func NewManager(cfg Config, codec TokenCodec, sessions SessionStore, replica *Replica, refreshKey []byte, logger *slog.Logger) *Manager {
	cfg.setDefaults()
	if logger == nil {
		logger = slog.Default()
	}
	m := &Manager{cfg: cfg, codec: codec, sessions: sessions, cancels: replica.Store,
		replica: replica, log: logger, verified: newTokenCaches(cfg.VerifyCacheMemory)}
	m.cheap, _ = codec.(CheapVerifier)
	m.refreshKey.Store(&refreshKey)
	return m
}

// Config returns the manager's configuration, defaults filled in.
func (m *Manager) Config() Config { return m.cfg }

// Replica returns the replica that Verify checks.
func (m *Manager) Replica() *Replica { return m.replica }

func (m *Manager) now() time.Time { return m.cfg.Now().Truncate(time.Millisecond) }

// Issue starts a new session for subject (a sign-in on one device) and
// returns its first token pair.
func (m *Manager) Issue(ctx context.Context, subject string, meta SessionMeta) (*TokenPair, error) {
	if subject == "" {
		return nil, Errorf(EInvalid, "subject is empty")
	}
	now := m.now()
	s := &Session{
		ID: randomID(sessionIDLen), Subject: subject, CreatedAt: now, LastUsedAt: now,
		UserAgent: meta.UserAgent, Address: meta.Address,
		Generation: 1, Salt: randomBytes(16), RotatedAt: now,
		RefreshExpiresAt: now.Add(m.cfg.RefreshTTL),
	}
	refresh := deriveRefreshToken(m.rkey(), s, s.Generation)
	s.RefreshHash = HashToken(refresh)
	status, err := m.assignStatus(ctx, s, now)
	if err != nil {
		return nil, err
	}
	if err := m.sessions.CreateSession(ctx, s); err != nil {
		return nil, storeError(err, "cannot create the session")
	}
	return m.pair(s, refresh, now, status)
}

// pair signs an access token for session s and returns it with refresh.
func (m *Manager) pair(s *Session, refresh string, now time.Time, status *TokenStatus) (*TokenPair, error) {
	c := &Claims{
		Issuer: m.cfg.Issuer, Subject: s.Subject, Audience: m.cfg.Audience,
		IssuedAt: now, ExpiresAt: now.Add(m.cfg.AccessTTL),
		ID: randomID(16), SessionID: s.ID, Status: status,
	}
	access, err := m.codec.Sign(c)
	if err != nil {
		return nil, Wrap(EInternal, err, "cannot sign the access token")
	}
	return &TokenPair{
		AccessToken: access, TokenType: "Bearer",
		ExpiresIn:        int64(m.cfg.AccessTTL / time.Second),
		RefreshToken:     refresh,
		RefreshExpiresIn: int64(s.RefreshExpiresAt.Sub(now) / time.Second),
		SessionID:        s.ID,
	}, nil
}

// Verify checks an access token's signature and claims, then the cancelled
// set as the check mode says. Every refusal is an *Error with EInvalidToken,
// except a store that cannot be asked (EUnavailable). The claims returned
// may be shared with other calls for the same token: do not modify them.
func (m *Manager) Verify(ctx context.Context, raw string) (*Claims, error) {
	c, err := m.parse(raw)
	if err != nil {
		return nil, err
	}
	if err := m.checkCancelled(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// parse verifies raw with the codec, or takes its claims from the cache of
// tokens verified before.
func (m *Manager) parse(raw string) (*Claims, error) {
	k := m.verified.key(raw)
	if c, ok := m.verified.get(k, m.cfg.Now(), m.cfg.Leeway); ok {
		return c, nil
	}
	c, err := m.codec.Parse(raw)
	if err != nil {
		return nil, err
	}
	if err := m.checkLifetime(c); err != nil {
		return nil, err
	}
	m.verified.put(k, c, m.cheap != nil && m.cheap.CheapToVerify(c.KeyID))
	return c, nil
}

// CheapVerifier is implemented by codecs that know which keys' tokens
// verify about as fast as a lookup in the cache of verified tokens
// (jose.Codec: HMAC keys, about 1.6 µs a token). The Manager keeps those
// out of its main cache: with many distinct tokens, a cache that size
// costs a lookup on every request, an eviction on every miss, and the
// garbage collector scans all it holds on every cycle, together more than
// it saves (see docs/benchmarks.md). They go to a small cache instead,
// and only when seen twice in a short while (tokenCaches): a token
// presented again and again is still answered from memory. The main
// cache is for signatures that take 30-70 µs.
type CheapVerifier interface {
	CheapToVerify(kid string) bool
}

// ForgetVerified empties the cache of verified tokens. Call it when a
// signing key is withdrawn before its tokens expired (a leaked key).
func (m *Manager) ForgetVerified() { m.verified.flush() }

// VerifyCacheStats returns the figures of the cache of verified tokens
// (hits, misses, size), for metrics.
func (m *Manager) VerifyCacheStats() VerifyCacheStats { return m.verified.stats() }

func (m *Manager) checkCancelled(ctx context.Context, c *Claims) error {
	switch m.cfg.Check {
	case CheckOff:
		return nil
	case CheckStrict:
		cancelled, err := m.cancels.IsCancelled(ctx, c)
		if err != nil {
			return Wrap(EUnavailable, err, "the token store is unreachable; cannot check for cancellations")
		} else if cancelled {
			return Errorf(EInvalidToken, "the token has been cancelled")
		}
		return nil
	}
	if err := m.replica.Usable(); err != nil {
		return err
	}
	if kind, ok := m.replica.Set.Check(c); ok {
		return Errorf(EInvalidToken, "the token has been cancelled (%s)", kind)
	}
	return nil
}

// Refresh rotates a session's refresh token: it returns a new pair and
// retires the presented token. A retired token presented again within the
// reuse grace returns the session's current pair; after it, the session is
// cancelled as stolen.
func (m *Manager) Refresh(ctx context.Context, token string, meta SessionMeta) (*TokenPair, error) {
	pair, rt, current, err := m.refresh(ctx, token, meta)
	if errors.Is(err, errRefreshReused) {
		m.log.Warn("retired refresh token presented again: cancelling its session as stolen",
			"session", rt.sessionID, "generation", rt.generation, "current", current)
		if cerr := m.CancelSession(ctx, rt.sessionID); cerr != nil {
			return nil, cerr
		}
		return nil, Errorf(EInvalidGrant, "the refresh token was already used; its session has been cancelled")
	}
	return pair, err
}

// refresh rotates the session in the store, then confirms with the store
// that no cancellation of the session or its subject got there first
// (refresh_order.go says why that makes the order total).
func (m *Manager) refresh(ctx context.Context, token string, meta SessionMeta) (*TokenPair, refreshToken, uint64, error) {
	rt, s, err := m.lookupRefresh(ctx, token)
	if err != nil {
		return nil, rt, 0, err
	}
	now := m.now()
	if m.Admit != nil {
		if err := m.Admit(ctx, s.Subject); err != nil {
			return nil, rt, 0, err
		}
	}
	var current uint64
	var issued time.Time
	ref, status, err := m.nextStatus(ctx, now)
	if err != nil {
		return nil, rt, 0, err
	}
	s, err = m.sessions.UpdateSession(ctx, s.ID, func(s *Session) error {
		current, issued = s.Generation, s.RotatedAt
		if err := m.checkRotation(s, rt, now); err != nil {
			return err
		}
		if rt.generation == s.Generation {
			m.rotate(s, now)
		}
		s.LastUsedAt, s.UserAgent, s.Address = now, meta.UserAgent, meta.Address
		m.rememberStatus(s, ref, now)
		return nil
	})
	if errors.Is(err, errRefreshReused) {
		return nil, rt, current, err
	} else if ErrorCode(err) == ENotFound { // cancelled (deleted) since lookupRefresh
		return nil, rt, current, Errorf(EInvalidGrant, "unknown, expired or cancelled refresh token")
	} else if err != nil {
		return nil, rt, current, storeError(err, "cannot rotate the refresh token")
	}
	if err := m.confirmRefresh(ctx, s, issued); err != nil {
		return nil, rt, current, err
	}
	pair, err := m.pair(s, deriveRefreshToken(m.rkey(), s, s.Generation), now, status)
	return pair, rt, current, err
}

var errRefreshReused = errors.New("retired refresh token reused")

// checkRotation decides what a presented generation may do with session s.
func (m *Manager) checkRotation(s *Session, rt refreshToken, now time.Time) error {
	switch {
	case s.Expired(now):
		return Errorf(EInvalidGrant, "the refresh token has expired")
	case rt.generation == s.Generation:
		return nil
	case rt.generation > s.Generation:
		return Errorf(EInvalidGrant, "unknown refresh token")
	case rt.generation == s.Generation-1 && m.cfg.ReuseGrace > 0 && now.Sub(s.RotatedAt) <= m.cfg.ReuseGrace:
		return nil
	}
	return errRefreshReused
}

func (m *Manager) rotate(s *Session, now time.Time) {
	s.Generation++
	s.RotatedAt = now
	s.RefreshExpiresAt = now.Add(m.cfg.RefreshTTL)
	s.RefreshHash = HashToken(deriveRefreshToken(m.rkey(), s, s.Generation))
}

// lookupRefresh parses a refresh token and returns its live session. Every
// failure is EInvalidGrant and says nothing about which check failed that
// an attacker could use.
func (m *Manager) lookupRefresh(ctx context.Context, token string) (refreshToken, *Session, error) {
	rt, ok := parseRefreshToken(token)
	if !ok {
		return rt, nil, Errorf(EInvalidGrant, "malformed refresh token")
	}
	s, err := m.sessions.Session(ctx, rt.sessionID)
	if ErrorCode(err) == ENotFound {
		return rt, nil, Errorf(EInvalidGrant, "unknown, expired or cancelled refresh token")
	} else if err != nil {
		return rt, nil, storeError(err, "cannot read the session")
	}
	if !rt.genuine(m.rkey(), s) {
		return rt, nil, Errorf(EInvalidGrant, "unknown refresh token")
	}
	if m.sessionCancelled(s) {
		return rt, nil, Errorf(EInvalidGrant, "the refresh token has been cancelled")
	}
	return rt, s, nil
}

// sessionCancelled reports whether the replica holds a cancellation of the
// session, or of its subject after the current refresh token was issued.
func (m *Manager) sessionCancelled(s *Session) bool {
	set := m.replica.Set
	return set.IsSessionCancelled(s.ID) || set.IsSubjectCancelledAt(s.Subject, s.RotatedAt)
}

// storeError keeps an *Error as it is and turns any other store failure
// into EUnavailable: the client may retry, and nothing was acknowledged.
func storeError(err error, msg string) error {
	var e *Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return Wrap(EUnavailable, err, msg)
}
