package http

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// DefaultStatusListTTL is how long a verifier may cache a Status List
// Token: the bound on how late a verifier that uses the list learns of a
// cancellation.
const DefaultStatusListTTL = time.Minute

// statusList serves GET /statuslists/{id}: the Status List Token of one
// list (draft-ietf-oauth-status-list), signed by a key of the JWKS, with
// one bit per access token (1: INVALID, cancelled), cacheable for its ttl.
func (s *Server) statusList(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	bits, size, err := s.StatusLists.Get(r.Context(), id)
	if err != nil {
		return err
	}
	lst, err := s.compressed(id, bits, size)
	if err != nil {
		return tokenmanager.Wrap(tokenmanager.EInternal, err, "cannot compress the status list")
	}
	ttl := s.statusTTL()
	now := s.Manager.Config().Now()
	token, err := s.SignStatusList(s.StatusLists.URI(id), now, now.Add(2*ttl), ttl, 1, lst)
	if err != nil {
		return tokenmanager.Wrap(tokenmanager.EInternal, err, "cannot sign the status list")
	}
	h := w.Header()
	h.Set("Content-Type", "application/statuslist+jwt")
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(ttl/time.Second)))
	h.Set("Access-Control-Allow-Origin", "*") // the draft asks for CORS: verifiers may be browsers
	w.Write([]byte(token))
	return nil
}

func (s *Server) statusTTL() time.Duration {
	if s.StatusListTTL > 0 {
		return s.StatusListTTL
	}
	return DefaultStatusListTTL
}

// compressedList is a list's bits as last read, and their compressed form.
type compressedList struct {
	bits []byte
	size uint64
	lst  string
}

// compressed returns lst for the bits just read from the store: the one
// compressed last time when the bits are the same (a compare costs
// microseconds; zlib at its best level on 10^6 entries, tens of
// milliseconds), so every answer is as fresh as the store and unchanged
// lists are not compressed again.
func (s *Server) compressed(id string, bits []byte, size uint64) (string, error) {
	if v, ok := s.statusCache.Load(id); ok {
		if c := v.(*compressedList); c.size == size && bytes.Equal(c.bits, bits) {
			return c.lst, nil
		}
	}
	lst, err := compressStatus(bits, size)
	if err == nil {
		s.statusCache.Store(id, &compressedList{bits: bits, size: size, lst: lst})
		s.forgetOldLists(id)
	}
	return lst, err
}

// forgetOldLists keeps the cache to the lists that may still be asked for:
// ids are window starts, and a list is dropped a while after its window.
func (s *Server) forgetOldLists(newest string) {
	s.statusCache.Range(func(k, _ any) bool {
		if id := k.(string); len(id) < len(newest) || len(id) == len(newest) && id < newest {
			if _, _, err := s.StatusLists.Get(context.Background(), id); tokenmanager.ErrorCode(err) == tokenmanager.ENotFound {
				s.statusCache.Delete(k)
			}
		}
		return true
	})
}

// compressStatus returns the base64url of the zlib-compressed byte array
// of size entries of one bit, padded with zeros to whole bytes.
func compressStatus(bits []byte, size uint64) (string, error) {
	n := int((size + 7) / 8)
	if len(bits) < n {
		bits = append(bits, make([]byte, n-len(bits))...)
	}
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := zw.Write(bits[:n]); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}
