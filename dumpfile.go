package tokenmanager

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// A dump is a store's content as JSON lines: a header line, one line per
// Record, and an end line with the count, so that a truncated dump (a full
// disk, a cut connection) is refused instead of restored in part. It holds
// password hashes, refresh token hashes and private keys: keep it as
// secret as the store.
//
//	{"tokenmanager_dump":1,"created_at":"…"}
//	{"key_set":{…}}
//	{"account":{…}}
//	{"session":{…}}
//	{"cancellation":{…}}
//	{"client":{…}}
//	{"status_list":{…}}
//	{"end":4}

// DumpVersion is the format of the dumps WriteDump writes; ReadDump refuses
// a newer one.
const DumpVersion = 1

type dumpHeader struct {
	Version   int       `json:"tokenmanager_dump"`
	CreatedAt time.Time `json:"created_at"`
}

// dumpLine is one line after the header. Its account and session forms
// keep the fields that the domain types hide from their API JSON.
type dumpLine struct {
	KeySet       *KeySet           `json:"key_set,omitempty"`
	Account      *dumpAccount      `json:"account,omitempty"`
	Session      *dumpSession      `json:"session,omitempty"`
	Cancellation *Cancellation     `json:"cancellation,omitempty"`
	Client       *dumpClient       `json:"client,omitempty"`
	StatusList   *StatusListRecord `json:"status_list,omitempty"`
	End          *int              `json:"end,omitempty"`
}

// dumpAccount and dumpSession convert to and from Account and Session, so a
// field added to those fails to compile here until the dump carries it.
type dumpAccount struct {
	Username     string    `json:"username"`
	PasswordHash string    `json:"password_hash"`
	CreatedAt    time.Time `json:"created_at"`
	Disabled     bool      `json:"disabled,omitempty"`
}

// dumpClient converts to and from Client, keeping the secret's hash.
type dumpClient struct {
	ID         string    `json:"client_id"`
	SecretHash []byte    `json:"secret_hash"`
	Scopes     []string  `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
}

type dumpSession struct {
	ID               string      `json:"id"`
	Subject          string      `json:"subject"`
	CreatedAt        time.Time   `json:"created_at"`
	LastUsedAt       time.Time   `json:"last_used_at"`
	UserAgent        string      `json:"user_agent,omitempty"`
	Address          string      `json:"address,omitempty"`
	Generation       uint64      `json:"generation"`
	Salt             []byte      `json:"salt"`
	RefreshHash      []byte      `json:"refresh_hash"`
	RotatedAt        time.Time   `json:"rotated_at"`
	RefreshExpiresAt time.Time   `json:"refresh_expires_at"`
	Status           []StatusRef `json:"status,omitempty"`
}

// WriteDump writes what src exports at now to w as a dump.
func WriteDump(ctx context.Context, w io.Writer, src Exporter, now time.Time) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(dumpHeader{DumpVersion, now.UTC()}); err != nil {
		return err
	}
	n := 0
	err := src.Export(ctx, now, func(r Record) error {
		n++
		return enc.Encode(toDumpLine(r))
	})
	if err != nil {
		return err
	}
	if err := enc.Encode(dumpLine{End: &n}); err != nil {
		return err
	}
	return bw.Flush()
}

func toDumpLine(r Record) dumpLine {
	l := dumpLine{KeySet: r.KeySet, Cancellation: r.Cancellation, StatusList: r.StatusList}
	if r.Account != nil {
		a := dumpAccount(*r.Account)
		l.Account = &a
	}
	if r.Session != nil {
		s := dumpSession(*r.Session)
		l.Session = &s
	}
	if r.Client != nil {
		c := dumpClient(*r.Client)
		l.Client = &c
	}
	return l
}

func (l dumpLine) record() Record {
	r := Record{KeySet: l.KeySet, Cancellation: l.Cancellation, StatusList: l.StatusList}
	if l.Account != nil {
		a := Account(*l.Account)
		r.Account = &a
	}
	if l.Session != nil {
		s := Session(*l.Session)
		r.Session = &s
	}
	if l.Client != nil {
		c := Client(*l.Client)
		r.Client = &c
	}
	return r
}

// DumpReader returns an Exporter of the dump that r holds, read as it is
// exported (once). Records that expired before now are skipped, and a dump
// that is not one, is of a newer version, or lacks its end line is an
// EInvalid error.
func DumpReader(r io.Reader) Exporter {
	return ExportFunc(func(ctx context.Context, now time.Time, fn func(Record) error) error {
		return readDump(ctx, r, now, fn)
	})
}

func readDump(ctx context.Context, r io.Reader, now time.Time, fn func(Record) error) error {
	dec := json.NewDecoder(bufio.NewReader(r))
	var h dumpHeader
	if err := dec.Decode(&h); err != nil || h.Version == 0 {
		return Errorf(EInvalid, "not a tokenmanager dump (no header line)")
	} else if h.Version > DumpVersion {
		return Errorf(EInvalid, "the dump is of format %d, written by a newer tokenmanager; this one reads format %d: upgrade tokenmanager", h.Version, DumpVersion)
	}
	for n := 0; ; n++ {
		var l dumpLine
		if err := dec.Decode(&l); err != nil {
			return Wrap(EInvalid, err, fmt.Sprintf("the dump is cut short or corrupt after %d records", n))
		}
		if l.End != nil {
			return checkEnd(*l.End, n)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := emitLive(l.record(), now, fn); err != nil {
			return err
		}
	}
}

func checkEnd(want, got int) error {
	if want != got {
		return Errorf(EInvalid, "the dump says it holds %d records but has %d", want, got)
	}
	return nil
}

// emitLive passes r to fn unless it expired at now.
func emitLive(r Record, now time.Time, fn func(Record) error) error {
	if (r.Session != nil && r.Session.Expired(now)) || (r.Cancellation != nil && r.Cancellation.Expired(now)) ||
		(r.StatusList != nil && !now.Before(r.StatusList.ExpiresAt)) {
		return nil
	}
	return fn(r)
}
