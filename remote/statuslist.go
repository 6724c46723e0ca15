package remote

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// With Options.StatusList, the Verifier follows no event stream: it checks
// each token's entry in the Token Status List its status claim names
// (draft-ietf-oauth-status-list), fetched from the server and cached for
// the list's ttl. It needs no credentials, and learns of a cancellation at
// most a ttl (--status-list-ttl) late, where the stream takes milliseconds.
// When the list cannot be fetched, a cached one answers for MaxStaleness
// past its ttl; then Verify fails closed.

// maxStatusList bounds a Status List Token's size (10^7 tokens compress
// far below it).
const maxStatusList = 16 << 20

// statusLists caches the lists by id.
type statusLists struct {
	mu    sync.Mutex
	lists map[string]*cachedList
}

// cachedList is one list as last fetched.
type cachedList struct {
	mu        sync.Mutex // one fetch at a time per list
	entries   []byte
	bits      int
	fetchedAt time.Time
	ttl       time.Duration
	exp       time.Time
}

// checkStatus refuses c when its entry is not 0 (VALID).
func (v *Verifier) checkStatus(ctx context.Context, c *tokenmanager.Claims) error {
	if c.Status == nil {
		return tokenmanager.Errorf(tokenmanager.EInvalidToken, "the token carries no status claim")
	}
	i := strings.LastIndex(c.Status.URI, "/statuslists/")
	if i < 0 {
		return tokenmanager.Errorf(tokenmanager.EInvalidToken, "the token's status list is not this server's")
	}
	id := c.Status.URI[i+len("/statuslists/"):]
	l := v.list(id)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := v.opts.Now()
	if l.entries == nil || !now.Before(l.fetchedAt.Add(l.ttl)) {
		if err := v.fetchList(ctx, id, c.Status.URI, l); err != nil {
			if l.entries == nil || !now.Before(l.fetchedAt.Add(l.ttl+v.opts.MaxStaleness)) || !now.Before(l.exp) {
				return tokenmanager.Wrap(tokenmanager.EUnavailable, err, "the token's status list cannot be fetched; cannot check for cancellations")
			}
			v.opts.Logger.Warn("cannot refresh a status list; answering from the cached one", "list", id, "err", err)
		}
	}
	bit := c.Status.Index * uint64(l.bits)
	if bit/8 >= uint64(len(l.entries)) {
		return tokenmanager.Errorf(tokenmanager.EInvalidToken, "the token's status index is outside its list")
	}
	if status := int(l.entries[bit/8]>>(bit%8)) & (1<<l.bits - 1); status != 0 {
		return tokenmanager.Errorf(tokenmanager.EInvalidToken, "the token has been cancelled (status %d in its status list)", status)
	}
	return nil
}

func (v *Verifier) list(id string) *cachedList {
	v.status.mu.Lock()
	defer v.status.mu.Unlock()
	if v.status.lists == nil {
		v.status.lists = map[string]*cachedList{}
	}
	l := v.status.lists[id]
	if l == nil {
		l = &cachedList{}
		v.status.lists[id] = l
	}
	return l
}

// fetchList gets list id from the server the Verifier follows (never from
// the host a token names: a token cannot send it elsewhere), verifies it
// with the server's keys, checks that it is the list the token names, and
// decompresses it into l.
func (v *Verifier) fetchList(ctx context.Context, id, uri string, l *cachedList) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", v.base+"/statuslists/"+id, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/statuslist+jwt")
	res, err := v.opts.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return statusError(req, res)
	}
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxStatusList))
	if err != nil {
		return err
	}
	tok, err := v.keys.ParseStatusList(string(raw))
	if err != nil {
		return err
	}
	if !strings.HasSuffix(tok.Subject, "/statuslists/"+id) || (tok.Bits != 1 && tok.Bits != 2 && tok.Bits != 4 && tok.Bits != 8) {
		return tokenmanager.Errorf(tokenmanager.EInvalidToken, "the status list token is not list %s", id)
	}
	entries, err := inflate(tok.Lst)
	if err != nil {
		return err
	}
	l.entries, l.bits, l.fetchedAt, l.ttl, l.exp = entries, tok.Bits, v.opts.Now(), tok.TTL, tok.ExpiresAt
	return nil
}

// inflate decodes a status list's lst: base64url, then zlib.
func inflate(lst string) ([]byte, error) {
	z, err := base64.RawURLEncoding.DecodeString(lst)
	if err != nil {
		return nil, err
	}
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(zr, maxStatusList*8))
}
