package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/wait"
	"github.com/tokenmanager/tokenmanager/jose"
)

// Keys rotate without downtime: a rotation (on any instance) stores a new
// key set, and every instance reloads it every KeyRefresh, and at once when
// a token names a kid it does not know, so a token signed by a key minted
// on another instance is never refused. Retired keys keep verifying until
// every token they signed has expired (AccessTTL plus Leeway).

// signingKeys returns the key set to sign with: the stored one (created on
// first start), or with an HS256 secret that secret as the only signing
// key (the stored set still supplies the refresh key).
func signingKeys(ctx context.Context, s tokenmanager.KeyStore, o Options) (*tokenmanager.KeySet, error) {
	if o.HS256Secret == nil {
		return loadKeys(ctx, s, o.Alg)
	}
	k, err := jose.NewHMACKey(o.HS256Secret, o.Now())
	if err != nil {
		return nil, err
	}
	ks, err := storedKeys(ctx, s, o.Alg)
	if err != nil {
		return nil, err
	}
	return &tokenmanager.KeySet{Keys: []tokenmanager.SigningKey{k}, RefreshKey: ks.RefreshKey}, nil
}

// loadKeys returns the stored key set, generating and storing one on first
// start, and checks that its newest key (the active one, or the next one
// of a staged rotation) is of alg (any, when alg is empty).
func loadKeys(ctx context.Context, s tokenmanager.KeyStore, alg string) (*tokenmanager.KeySet, error) {
	ks, err := storedKeys(ctx, s, alg)
	if err != nil {
		return nil, err
	}
	if a, ok := ks.Newest(); ok && alg != "" && a.Alg != alg {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid,
			"the algorithm is %s but the stored signing key is %s: run `tokenmanager keys rotate --alg %s` to change it", alg, a.Alg, alg)
	}
	return ks, nil
}

// storedKeys returns the stored key set, generating (keys of alg) and
// storing one on first start. Of two instances starting at once, both end
// up with the keys of the first.
func storedKeys(ctx context.Context, s tokenmanager.KeyStore, alg string) (*tokenmanager.KeySet, error) {
	ks, err := s.KeySet(ctx)
	if tokenmanager.ErrorCode(err) == tokenmanager.ENotFound {
		if alg == "" {
			alg = jose.DefaultAlg
		}
		fresh, gerr := jose.NewKeySet(alg)
		if gerr != nil {
			return nil, gerr
		}
		ks, err = s.InitKeySet(ctx, fresh)
	}
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return ks, nil
}

// keyReloader keeps a codec's keys in step with the store.
type keyReloader struct {
	store  tokenmanager.KeyStore
	codec  *jose.Codec
	keep   time.Duration // how long a retired key keeps verifying
	now    func() time.Time
	static bool // the signing key is an operator's secret: nothing to reload
	// held is the key set last loaded, put back if the store loses it;
	// adopt hands the stored refresh key to the Manager (restore.go).
	held  *tokenmanager.KeySet
	adopt func(refreshKey []byte)

	mu   sync.Mutex
	last time.Time
}

// reload reads the key set, drops the keys whose tokens have all expired,
// and hands the rest to the codec.
func (k *keyReloader) reload(ctx context.Context) error {
	if k.static {
		return nil
	}
	k.mu.Lock()
	k.last = time.Now()
	k.mu.Unlock()
	ks, err := k.restoreKeys(ctx)
	if err != nil {
		return err
	}
	ks.Prune(k.now(), k.keep)
	return k.codec.SetKeySet(ks)
}

// due reports whether a reload on demand may run now: at most once a
// second, so a flood of forged kids cannot become a flood of store reads.
func (k *keyReloader) due() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return !k.static && time.Since(k.last) >= time.Second
}

// watch reloads the key set every interval until ctx ends.
func (k *keyReloader) watch(ctx context.Context, every time.Duration, log interface{ Warn(string, ...any) }) {
	for wait.Sleep(ctx, every) {
		if err := k.reload(ctx); err != nil && ctx.Err() == nil {
			log.Warn("cannot reload the signing keys", "err", err)
		}
	}
}

// reloadingCodec is the codec the Manager uses: when a token does not
// verify, it reloads the keys (at most once a second) and tries again, so a
// kid minted by a rotation on another instance is learnt at once.
type reloadingCodec struct {
	*jose.Codec
	keys *keyReloader
}

// Parse implements tokenmanager.TokenCodec.
func (c reloadingCodec) Parse(raw string) (*tokenmanager.Claims, error) {
	cl, err := c.Codec.Parse(raw)
	if err == nil || !c.keys.due() {
		return cl, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if c.keys.reload(ctx) != nil {
		return cl, err
	}
	return c.Codec.Parse(raw)
}
