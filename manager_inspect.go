package tokenmanager

import "context"

// Token types, as RFC 7662 and RFC 7009 name them.
const (
	AccessTokenType  = "access_token"
	RefreshTokenType = "refresh_token"
)

// TokenInfo is what introspection learns of a token.
type TokenInfo struct {
	Active  bool
	Type    string   // AccessTokenType or RefreshTokenType; "" when unknown
	Claims  *Claims  // for an active access token
	Session *Session // for an active refresh token
}

// Introspect tells whether a token (access or refresh) is active now, with
// its claims or session (RFC 7662). An unknown, expired or cancelled token
// is inactive, not an error; only a store failure is an error.
func (m *Manager) Introspect(ctx context.Context, token string) (*TokenInfo, error) {
	if _, ok := parseRefreshToken(token); ok {
		rt, s, err := m.lookupRefresh(ctx, token)
		if ErrorCode(err) == EUnavailable {
			return nil, err
		}
		active := err == nil && rt.generation == s.Generation && !s.Expired(m.now())
		if !active {
			return &TokenInfo{}, nil
		}
		return &TokenInfo{Active: true, Type: RefreshTokenType, Session: s}, nil
	}
	c, err := m.Verify(ctx, token)
	if ErrorCode(err) == EUnavailable {
		return nil, err
	} else if err != nil {
		return &TokenInfo{}, nil
	}
	return &TokenInfo{Active: true, Type: AccessTokenType, Claims: c}, nil
}

// Revoke cancels a token of either type: the session of a refresh token,
// the jti of an access token. An unknown or already expired token is
// EInvalidToken (RFC 7009 callers ignore it and answer 200).
func (m *Manager) Revoke(ctx context.Context, token string) error {
	if _, ok := parseRefreshToken(token); ok {
		return m.RevokeRefresh(ctx, token)
	}
	c, err := m.codec.Parse(token)
	if err != nil {
		return err
	}
	return m.CancelToken(ctx, c)
}
