package tokenmanager

// checkLifetime refuses a token whose lifetime (exp - iat) is longer than
// the access token lifetime plus the leeway: no instance configured like
// this one issues it, so it was forged with a stolen key (a far exp) or
// comes from a misconfigured instance. Manager.parse runs it once per
// token, after the codec verified it and before the verify cache keeps it,
// so a cache hit does not pay for it.
func (m *Manager) checkLifetime(c *Claims) error {
	if c.IssuedAt.IsZero() || c.ExpiresAt.Sub(c.IssuedAt) > m.cfg.AccessTTL+m.cfg.Leeway {
		return Errorf(EInvalidToken, "the token's lifetime (exp - iat) is longer than the access token lifetime")
	}
	return nil
}
