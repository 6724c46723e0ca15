package storetest

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// ExportOpener returns a new, empty store that can export its content;
// name tells the stores of one subtest apart (a Redis backend puts them
// under different prefixes). The suite closes it.
type ExportOpener func(t *testing.T, name string) interface {
	tokenmanager.Store
	tokenmanager.Exporter
}

// RunExport checks Export and tokenmanager.Import against a backend: what
// one store exports, written as a dump and read back, imports into an
// empty store of the same kind with every field; expired records stay
// behind; a store that holds other keys or the same account refuses the
// import.
func RunExport(t *testing.T, open ExportOpener) {
	t.Helper()
	t.Run("DumpRoundTrip", func(t *testing.T) { testDumpRoundTrip(t, open) })
	t.Run("ImportIntoUsedStoreRefused", func(t *testing.T) { testImportConflict(t, open) })
	t.Run("TruncatedDumpRefused", func(t *testing.T) { testTruncatedDump(t, open) })
}

// fill stores a key set, two accounts, three sessions and three live
// cancellations, and returns them.
func fill(t *testing.T, s tokenmanager.Store, now time.Time) (accounts []*tokenmanager.Account, sessions []*tokenmanager.Session, cancels []tokenmanager.Cancellation) {
	t.Helper()
	ctx := t.Context()
	_, err := s.InitKeySet(ctx, newKeySet('x', now))
	mustNil(t, err, "InitKeySet")
	for _, name := range []string{"alice", "bob"} {
		a := &tokenmanager.Account{Username: name, PasswordHash: "$argon2id$v=19$" + name, CreatedAt: now.Add(-time.Hour), Disabled: name == "bob"}
		mustNil(t, s.CreateAccount(ctx, a), "CreateAccount")
		accounts = append(accounts, a)
	}
	for i, sub := range []string{"alice", "alice", "bob"} {
		x := newSession("sess-"+string(rune('a'+i)), sub, now.Add(-time.Duration(i+1)*time.Minute))
		x.Status = []tokenmanager.StatusRef{{List: "1764403200", Index: uint64(i), ExpiresAt: now.Add(time.Hour).UTC()}}
		mustNil(t, s.CreateSession(ctx, x), "CreateSession")
		sessions = append(sessions, x)
	}
	exp := now.Add(time.Hour)
	cancels = []tokenmanager.Cancellation{
		{Kind: tokenmanager.KindToken, Issuer: "https://iss", ID: "jti-1", Before: now, ExpiresAt: exp},
		{Kind: tokenmanager.KindSession, ID: "sess-b", Subject: "bob", Before: now, ExpiresAt: exp},
		{Kind: tokenmanager.KindSubject, ID: "bob", Before: now.Add(-time.Second), ExpiresAt: exp},
	}
	for _, c := range cancels {
		mustNil(t, s.Cancel(ctx, c), "Cancel")
	}
	if ss, ok := s.(tokenmanager.StatusStore); ok {
		_, err := ss.ReserveStatusIndices(ctx, "1764403200", 20, now.Add(time.Hour))
		mustNil(t, err, "ReserveStatusIndices")
		refs := []tokenmanager.StatusRef{{List: "1764403200", Index: 3, ExpiresAt: exp}, {List: "1764403200", Index: 17, ExpiresAt: exp}}
		mustNil(t, ss.InvalidateStatus(ctx, refs), "InvalidateStatus")
	}
	if cs, ok := s.(tokenmanager.ClientStore); ok {
		c := &tokenmanager.Client{ID: "gateway", SecretHash: []byte{1, 2, 3}, Scopes: []string{"introspect", "events"}, CreatedAt: now}
		mustNil(t, cs.CreateClient(ctx, c), "CreateClient")
	}
	return accounts, sessions, cancels
}

func testDumpRoundTrip(t *testing.T, open ExportOpener) {
	now := baseTime()
	src, dst := open(t, "src"), open(t, "dst")
	accounts, sessions, cancels := fill(t, src, now)
	var dump bytes.Buffer
	mustNil(t, tokenmanager.WriteDump(t.Context(), &dump, src, now), "WriteDump")
	n, err := tokenmanager.Import(t.Context(), dst, tokenmanager.DumpReader(&dump), now)
	mustNil(t, err, "Import")
	sameValue(t, "import counts", n, tokenmanager.ImportCounts{KeySets: 1, Accounts: 2, Sessions: 3, Cancellations: 3, Clients: 1, StatusLists: 1})
	ks, err := dst.KeySet(t.Context())
	mustNil(t, err, "KeySet")
	sameKeySet(t, "imported key set", ks, newKeySet('x', now))
	for _, a := range accounts {
		got, err := dst.Account(t.Context(), a.Username)
		mustNil(t, err, "Account")
		want := *a
		want.CreatedAt = utc(a.CreatedAt)
		got.CreatedAt = utc(got.CreatedAt)
		sameValue(t, "account", *got, want)
	}
	for _, x := range sessions {
		sameSession(t, mustSession(t, dst, x.ID), x)
	}
	got, err := dst.Sessions(t.Context(), "alice")
	mustNil(t, err, "Sessions")
	sameValue(t, "alice's sessions (the subject index)", len(got), 2)
	sameExported(t, dst, now, cancels)
	c, err := dst.(tokenmanager.ClientStore).Client(t.Context(), "gateway")
	mustNil(t, err, "Client")
	sameValue(t, "imported client", c.SecretHash, []byte{1, 2, 3})
	sameValue(t, "imported client's scopes", c.Scopes, []string{"introspect", "events"})
	bits, size, err := dst.(tokenmanager.StatusStore).StatusList(t.Context(), "1764403200")
	mustNil(t, err, "StatusList")
	sameValue(t, "imported status list's reserved entries", size, uint64(20))
	sameValue(t, "imported status list's bits", bits[:3], []byte{1 << 3, 0, 1 << 1})
	next, err := dst.(tokenmanager.StatusStore).ReserveStatusIndices(t.Context(), "1764403200", 1, now.Add(time.Hour))
	mustNil(t, err, "ReserveStatusIndices")
	sameValue(t, "the next entry reserved after the import", next, uint64(20))
}

// sameExported fails unless s holds exactly the cancellations want at now.
func sameExported(t *testing.T, s tokenmanager.Store, now time.Time, want []tokenmanager.Cancellation) {
	t.Helper()
	got, err := s.Cancellations(t.Context(), now)
	mustNil(t, err, "Cancellations")
	norm := func(cs []tokenmanager.Cancellation) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Key()+" "+c.Before.UTC().Format(time.RFC3339Nano)+" "+c.ExpiresAt.UTC().Format(time.RFC3339Nano)+" sub="+c.Subject)
		}
		slices.Sort(out)
		return out
	}
	sameValue(t, "imported cancellations", norm(got), norm(want))
}

func testImportConflict(t *testing.T, open ExportOpener) {
	now := baseTime()
	src := open(t, "src")
	fill(t, src, now)
	t.Run("OtherKeys", func(t *testing.T) {
		dst := open(t, "keys")
		_, err := dst.InitKeySet(t.Context(), newKeySet('y', now))
		mustNil(t, err, "InitKeySet")
		_, err = tokenmanager.Import(t.Context(), dst, src, now)
		wantCode(t, err, tokenmanager.EConflict)
	})
	t.Run("SameAccount", func(t *testing.T) {
		dst := open(t, "account")
		mustNil(t, dst.CreateAccount(t.Context(), &tokenmanager.Account{Username: "bob", CreatedAt: now}), "CreateAccount")
		_, err := tokenmanager.Import(t.Context(), dst, src, now)
		wantCode(t, err, tokenmanager.EConflict)
	})
}

func testTruncatedDump(t *testing.T, open ExportOpener) {
	now := baseTime()
	src := open(t, "src")
	fill(t, src, now)
	var dump bytes.Buffer
	mustNil(t, tokenmanager.WriteDump(t.Context(), &dump, src, now), "WriteDump")
	lines := strings.SplitAfter(dump.String(), "\n")
	cut := strings.Join(lines[:len(lines)-2], "") // without the end line
	_, err := tokenmanager.Import(t.Context(), open(t, "dst"), tokenmanager.DumpReader(strings.NewReader(cut)), now)
	wantCode(t, err, tokenmanager.EInvalid)
}
