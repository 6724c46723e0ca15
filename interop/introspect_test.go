package interop

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rs"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// TestZitadelIntrospection uses zitadel/oidc's resource-server client as
// it is: it discovers the introspection endpoint from the issuer,
// authenticates with client_secret_basic, and tells an active token from
// a cancelled one.
func TestZitadelIntrospection(t *testing.T) {
	s := startServer(t)
	var cred struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(s.cli("clients", "add", "resource-server", "--scope", "introspect"), &cred); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	server, err := rs.NewResourceServerClientCredentials(ctx, s.URL, cred.ClientID, cred.ClientSecret)
	if err != nil {
		t.Fatalf("NewResourceServerClientCredentials: %v", err)
	}
	alice := s.user("alice")

	got, err := rs.Introspect[*oidc.IntrospectionResponse](ctx, server, alice.AccessToken)
	if err != nil {
		t.Fatalf("Introspect an active token: %v", err)
	}
	if !got.Active || got.Subject != "alice" || got.TokenType != "Bearer" || got.Expiration.AsTime().Before(time.Now()) {
		t.Fatalf("active token: %+v", got)
	}

	req, _ := http.NewRequest("POST", s.URL+"/tokens/cancel", nil)
	req.Header.Set("Authorization", "Bearer "+alice.AccessToken)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("cancel: %v %v", res, err)
	}
	got, err = rs.Introspect[*oidc.IntrospectionResponse](ctx, server, alice.AccessToken)
	if err != nil || got.Active {
		t.Fatalf("Introspect a cancelled token: %+v, %v; want inactive", got, err)
	}

	wrong, err := rs.NewResourceServerClientCredentials(ctx, s.URL, cred.ClientID, cred.ClientSecret+"x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Introspect[*oidc.IntrospectionResponse](ctx, wrong, alice.AccessToken); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("Introspect with a wrong secret: %v, want invalid_client", err)
	}
}
