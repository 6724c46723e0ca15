package remote

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/jose"
)

// maxBody bounds what is read of an answer of the server.
const maxBody = 1 << 20

// requestTimeout bounds each request but the stream.
const requestTimeout = 10 * time.Second

// parse verifies raw with the keys held; when it fails and names a kid
// not among them (a key the server started signing with since the last
// fetch), the keys are fetched again, at most once per MinKeyRefresh,
// and raw is verified once more.
func (v *Verifier) parse(ctx context.Context, raw string) (*tokenmanager.Claims, error) {
	c, err := v.keys.Parse(raw)
	if err == nil {
		return c, nil
	}
	kid, ok := peekKid(raw)
	if !ok || v.keys.HasKey(kid) {
		return nil, err
	}
	v.refreshKeys(ctx)
	return v.keys.Parse(raw)
}

// refreshKeys fetches the keys for an unknown kid, unless such a fetch
// happened less than MinKeyRefresh ago (failed or not). Callers that
// wait for the lock while another fetches then find the new keys without
// fetching again.
func (v *Verifier) refreshKeys(ctx context.Context) {
	v.fetchMu.Lock()
	defer v.fetchMu.Unlock()
	now := v.opts.Now()
	if !v.kidFetchAt.IsZero() && now.Sub(v.kidFetchAt) < v.opts.MinKeyRefresh {
		return
	}
	v.kidFetchAt = now
	if err := v.fetchKeys(ctx); err != nil {
		v.opts.Logger.Warn("cannot fetch the token server's keys for an unknown kid", "err", err)
	}
}

// loadKeys fetches the keys now.
func (v *Verifier) loadKeys(ctx context.Context) error {
	v.fetchMu.Lock()
	defer v.fetchMu.Unlock()
	return v.fetchKeys(ctx)
}

// fetchKeys gets /.well-known/jwks.json and installs it; the caller holds
// fetchMu.
func (v *Verifier) fetchKeys(ctx context.Context) error {
	var set jose.JWKSet
	if err := v.getJSON(ctx, "/.well-known/jwks.json", &set); err != nil {
		return err
	}
	if v.keys == nil {
		k, err := jose.NewVerifier(set, jose.Options{Issuer: v.opts.Issuer, Audience: v.opts.Audience,
			Leeway: v.opts.Leeway, Now: v.opts.Now})
		if err != nil {
			return fmt.Errorf("remote: %s/.well-known/jwks.json: %w", v.base, err)
		}
		v.keys = k
		return nil
	}
	return v.keys.SetJWKS(set)
}

// getJSON decodes the JSON answer of GET path.
func (v *Verifier) getJSON(ctx context.Context, path string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", v.base+path, nil)
	if err != nil {
		return err
	}
	res, err := v.opts.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return statusError(req, res)
	}
	return json.NewDecoder(io.LimitReader(res.Body, maxBody)).Decode(out)
}

// statusError describes an unexpected answer, with the server's
// error_description when it sent one.
func statusError(req *http.Request, res *http.Response) error {
	var body struct {
		Description string `json:"error_description"`
	}
	_ = json.NewDecoder(io.LimitReader(res.Body, 4096)).Decode(&body)
	return fmt.Errorf("remote: %s %s: %s %s", req.Method, req.URL.Path, res.Status, body.Description)
}

// peekKid returns the kid in raw's header, without verifying anything.
func peekKid(raw string) (string, bool) {
	head, _, ok := strings.Cut(raw, ".")
	if !ok || len(raw) > jose.DefaultMaxTokenSize {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return "", false
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if json.Unmarshal(b, &h) != nil || h.Kid == "" {
		return "", false
	}
	return h.Kid, true
}
