package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/jose"
)

// signingKeys returns the key set to sign with: the stored one, or with
// --hs256-secret-file the operator's secret as the only signing key (the
// stored set still supplies the refresh key).
func signingKeys(ctx context.Context, s tokenmanager.KeyStore, c *Config) (*tokenmanager.KeySet, error) {
	k, err := hs256Key(c)
	if err != nil {
		return nil, err
	} else if k == nil {
		return loadKeys(ctx, s, c.Alg)
	}
	ks, err := storedKeys(ctx, s, c.Alg)
	if err != nil {
		return nil, err
	}
	return &tokenmanager.KeySet{Keys: []tokenmanager.SigningKey{*k}, RefreshKey: ks.RefreshKey}, nil
}

// hs256Key reads --hs256-secret-file (nil when it is not set). The file's
// bytes, trimmed of surrounding white space, are the secret; one shorter
// than 32 bytes is refused.
func hs256Key(c *Config) (*tokenmanager.SigningKey, error) {
	if c.HS256SecretFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(c.HS256SecretFile)
	if err != nil {
		return nil, fmt.Errorf("--hs256-secret-file: %w", err)
	}
	k, err := jose.NewHMACKey(bytes.TrimSpace(b), time.Now())
	if err != nil {
		return nil, fmt.Errorf("--hs256-secret-file: %s", tokenmanager.ErrorMessage(err))
	}
	return &k, nil
}

// loadKeys returns the stored key set, generating and storing one on first
// start, and checks that its active key is of alg (any, when alg is empty).
func loadKeys(ctx context.Context, s tokenmanager.KeyStore, alg string) (*tokenmanager.KeySet, error) {
	ks, err := storedKeys(ctx, s, alg)
	if err != nil {
		return nil, err
	}
	if a, ok := ks.Active(); ok && alg != "" && a.Alg != alg {
		return nil, errStartConfig{fmt.Errorf("--alg is %s but the stored signing key is %s: run `tokenmanager keys rotate --alg %s` to change it", alg, a.Alg, alg)}
	}
	return ks, nil
}

// storedKeys returns the stored key set, generating (keys of alg) and
// storing one on first start.
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
