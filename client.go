package tokenmanager

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"slices"
	"strings"
	"time"
)

// EInvalidClient is the OAuth code (RFC 6749 §5.2) of a service client
// whose credentials are unknown, wrong or malformed: 401 with a Basic
// challenge.
const EInvalidClient = "invalid_client"

// Scopes a service client may hold: each names the routes it may call in
// place of an admin.
const (
	ScopeIntrospect = "introspect" // POST /oauth/introspect
	ScopeRevoke     = "revoke"     // POST /oauth/revoke, any token
	ScopeEvents     = "events"     // GET /events/cancellations
)

// ClientScopes are every scope, in the order they are listed.
var ClientScopes = []string{ScopeIntrospect, ScopeRevoke, ScopeEvents}

// MaxClientIDLen bounds a client id in bytes: it is a name an operator
// types, and a key in the store.
const MaxClientIDLen = 64

// Client is a service client: a resource server, a gateway or a verifier
// that calls the OAuth and event routes with its own credentials instead
// of an admin's password. Its secret is never stored, only its SHA-256
// hash (the secret is 256 random bits, so a fast hash is enough).
type Client struct {
	ID         string    `json:"client_id"`
	SecretHash []byte    `json:"-"`
	Scopes     []string  `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
}

// HasScope reports whether the client may act with scope.
func (c *Client) HasScope(scope string) bool { return slices.Contains(c.Scopes, scope) }

// ClientStore keeps service clients. The embedded and the Redis store
// implement it; it is not part of Store so that a library user's own
// store needs none.
type ClientStore interface {
	// CreateClient stores a new client; EConflict when the id is taken.
	CreateClient(ctx context.Context, c *Client) error
	// Client returns the client with that id, or an ENotFound error.
	Client(ctx context.Context, id string) (*Client, error)
	// Clients returns every client, ordered by id.
	Clients(ctx context.Context) ([]Client, error)
	// DeleteClient removes a client; ENotFound when there is none.
	DeleteClient(ctx context.Context, id string) error
}

// ValidClientID refuses a client id that is empty, too long, or has
// characters other than letters, digits and "-._~": such an id reads the
// same in a form, in a Basic header and in a shell.
func ValidClientID(id string) error {
	if id == "" || len(id) > MaxClientIDLen {
		return Errorf(EInvalid, "a client name has 1 to %d characters", MaxClientIDLen)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r)) {
			return Errorf(EInvalid, "a client name has only letters, digits and -._~")
		}
	}
	return nil
}

// ParseScopes reads a comma- or space-separated scope list; an empty one
// means every scope. An unknown scope is EInvalid.
func ParseScopes(s string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	if len(fields) == 0 {
		return slices.Clone(ClientScopes), nil
	}
	var out []string
	for _, f := range fields {
		if !slices.Contains(ClientScopes, f) {
			return nil, Errorf(EInvalid, "unknown scope %q (scopes: %s)", f, strings.Join(ClientScopes, ", "))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// AddClient creates the client id with scopes and returns it with its
// secret, which exists nowhere else: the store keeps only its hash.
func AddClient(ctx context.Context, cs ClientStore, id string, scopes []string, now time.Time) (*Client, string, error) {
	if err := ValidClientID(id); err != nil {
		return nil, "", err
	}
	if len(scopes) == 0 {
		scopes = slices.Clone(ClientScopes)
	}
	secret := newClientSecret()
	c := &Client{ID: id, SecretHash: hashSecret(secret), Scopes: scopes, CreatedAt: now}
	if err := cs.CreateClient(ctx, c); err != nil {
		return nil, "", err
	}
	return c, secret, nil
}

// AuthenticateClient returns the client whose id and secret these are.
// Every mismatch (unknown id, wrong secret) is the same EInvalidClient
// error, and the secret is compared in constant time; a store failure
// keeps its own code (503, not 401).
func AuthenticateClient(ctx context.Context, cs ClientStore, id, secret string) (*Client, error) {
	c, err := cs.Client(ctx, id)
	if ErrorCode(err) == ENotFound {
		subtle.ConstantTimeCompare(hashSecret(secret), hashSecret("")) // same work as a known id
		return nil, errBadClient
	} else if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(hashSecret(secret), c.SecretHash) != 1 {
		return nil, errBadClient
	}
	return c, nil
}

var errBadClient = Errorf(EInvalidClient, "client authentication failed")

// newClientSecret returns 256 random bits, base64url without padding.
func newClientSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
