package tokenmanager

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Token Status List (draft-ietf-oauth-status-list): every access token
// carries "status": {"status_list": {"idx": N, "uri": "…/statuslists/L"}},
// and GET on that uri returns a signed, zlib-compressed list of bits in
// which entry N is 1 (INVALID) once the token, its session or its subject
// was cancelled. A verifier in any language honours cancellations by
// fetching and caching the list, without calling this server per request.
//
// Lists are per time window: a token gets an index in the list of the
// window it was issued in, and a list is kept only until the last token it
// can describe has expired. Indices are reserved from the store in blocks,
// so most tokens cost no store write; a block reserved by an instance that
// crashes is simply never used. Each session remembers the entries of its
// live access tokens, so a cancellation of a session or a subject sets
// every affected bit before it is acknowledged.

// TokenStatus is the status claim of an access token: its entry in a Token
// Status List.
type TokenStatus struct {
	URI   string // the list's uri (the Status List Token's sub)
	Index uint64 // the token's entry in it
}

// StatusRef is an entry of a Token Status List, as a session remembers the
// entries of its access tokens.
type StatusRef struct {
	List      string    `json:"list"`
	Index     uint64    `json:"idx"`
	ExpiresAt time.Time `json:"exp"` // the token's expiry: after it the entry is moot
}

// StatusStore keeps Token Status Lists where every instance sees the same
// ones. The embedded and the Redis store implement it.
type StatusStore interface {
	// ReserveStatusIndices reserves n consecutive entries of list and
	// returns the first; the list is kept at least until expires.
	ReserveStatusIndices(ctx context.Context, list string, n uint64, expires time.Time) (uint64, error)
	// InvalidateStatus sets the entries of refs to 1 (INVALID) and returns
	// once that is durable.
	InvalidateStatus(ctx context.Context, refs []StatusRef) error
	// StatusList returns the bits of list (entry i is bit i%8, counted
	// from the least significant, of byte i/8) and how many entries are
	// reserved in it; an unknown or expired list is ENotFound.
	StatusList(ctx context.Context, list string) ([]byte, uint64, error)
}

// The defaults of StatusLists.
const (
	DefaultStatusWindow = time.Hour
	statusBlock         = 256
)

// StatusLists hands out entries of the Token Status Lists and invalidates
// them. Its zero value is not usable; use NewStatusLists.
type StatusLists struct {
	store  StatusStore
	base   string        // the lists' uri without the list id: https://auth.example/statuslists/
	window time.Duration // the time a list collects new tokens
	keep   time.Duration // how long after its window a list is kept: the token lifetime plus leeway

	mu     sync.Mutex
	blocks map[string]*statusBlockRange
}

// statusBlockRange is the part of a reserved block not yet handed out.
type statusBlockRange struct{ next, end uint64 }

// NewStatusLists returns the lists of store, served at base (the uri of a
// list is base followed by its id), for tokens that live keep (access TTL
// plus leeway) at most.
func NewStatusLists(store StatusStore, base string, keep time.Duration) *StatusLists {
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return &StatusLists{store: store, base: base, window: DefaultStatusWindow, keep: keep, blocks: map[string]*statusBlockRange{}}
}

// URI returns the uri of list.
func (l *StatusLists) URI(list string) string { return l.base + list }

// ListOf returns the list id of a verified token's status claim uri, or
// false when it names no list. Only the id counts: the token was signed
// by a key of this deployment, and its instances may name themselves by
// different addresses (without --public-url).
func (l *StatusLists) ListOf(uri string) (string, bool) {
	i := strings.LastIndex(uri, "/statuslists/")
	if i < 0 {
		return "", false
	}
	id := uri[i+len("/statuslists/"):]
	_, ok := l.Expiry(id)
	return id, ok
}

// Expiry returns when list can be dropped: the end of its window plus the
// longest life of a token issued in it.
func (l *StatusLists) Expiry(list string) (time.Time, bool) {
	start, err := strconv.ParseInt(list, 10, 64)
	if err != nil || start < 0 {
		return time.Time{}, false
	}
	return time.Unix(start, 0).Add(l.window + l.keep), true
}

// Assign gives a token issued at now, expiring at exp, its entry.
func (l *StatusLists) Assign(ctx context.Context, now, exp time.Time) (StatusRef, error) {
	list := strconv.FormatInt(now.Truncate(l.window).Unix(), 10)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.blocks[list]
	if b == nil || b.next == b.end {
		expires, _ := l.Expiry(list)
		first, err := l.store.ReserveStatusIndices(ctx, list, statusBlock, expires)
		if err != nil {
			return StatusRef{}, storeError(err, "cannot reserve a status list entry")
		}
		b = &statusBlockRange{first, first + statusBlock}
		l.forgetOld(now)
		l.blocks[list] = b
	}
	ref := StatusRef{List: list, Index: b.next, ExpiresAt: exp}
	b.next++
	return ref, nil
}

// forgetOld drops the blocks of windows that no longer collect tokens.
func (l *StatusLists) forgetOld(now time.Time) {
	current := now.Truncate(l.window).Unix()
	for list := range l.blocks {
		if start, _ := strconv.ParseInt(list, 10, 64); start < current {
			delete(l.blocks, list)
		}
	}
}

// Invalidate sets refs to INVALID, durably; entries of lists already
// dropped are skipped (every token they described has expired).
func (l *StatusLists) Invalidate(ctx context.Context, refs []StatusRef, now time.Time) error {
	live := make([]StatusRef, 0, len(refs))
	for _, r := range refs {
		if exp, ok := l.Expiry(r.List); ok && now.Before(exp) {
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		return nil
	}
	if err := l.store.InvalidateStatus(ctx, live); err != nil {
		return storeError(err, "the status list could not be updated; retry")
	}
	return nil
}

// Get returns list's bits and size, for serving the Status List Token.
func (l *StatusLists) Get(ctx context.Context, list string) ([]byte, uint64, error) {
	if _, ok := l.Expiry(list); !ok {
		return nil, 0, Errorf(ENotFound, "no such status list")
	}
	return l.store.StatusList(ctx, list)
}

// pruneStatus keeps the entries of a session whose tokens may still be
// accepted (until their expiry plus the leeway).
func pruneStatus(refs []StatusRef, now time.Time, leeway time.Duration) []StatusRef {
	kept := refs[:0]
	for _, r := range refs {
		if now.Before(r.ExpiresAt.Add(leeway)) {
			kept = append(kept, r)
		}
	}
	return kept
}
