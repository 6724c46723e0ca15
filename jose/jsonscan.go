package jose

import (
	"encoding/json"
	"errors"
	"strings"
)

// errSyntax is any departure from JSON (RFC 8259) in a payload.
var errSyntax = errors.New("not JSON")

// scanner reads JSON values from a string without building generic maps:
// strings without escapes or non-ASCII bytes are substrings of the input
// (no copy), anything rarer is handed to encoding/json, which then decides
// exactly as it would have for the whole document.
type scanner struct {
	s string
	i int
}

func (sc *scanner) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (sc *scanner) peek() byte {
	sc.ws()
	if sc.i < len(sc.s) {
		return sc.s[sc.i]
	}
	return 0
}

// expect consumes b after white space.
func (sc *scanner) expect(b byte) error {
	if sc.peek() != b {
		return errSyntax
	}
	sc.i++
	return nil
}

// str reads a JSON string.
func (sc *scanner) str() (string, error) {
	if sc.peek() != '"' {
		return "", errSyntax
	}
	start := sc.i + 1
	for i := start; i < len(sc.s); i++ {
		switch c := sc.s[i]; {
		case c == '"':
			sc.i = i + 1
			return sc.s[start:i], nil
		case c < 0x20:
			return "", errSyntax
		case c == '\\' || c >= 0x80:
			return sc.slowStr()
		}
	}
	return "", errSyntax
}

// slowStr reads a string with escapes or non-ASCII bytes through
// encoding/json (which checks the escapes and replaces invalid UTF-8).
func (sc *scanner) slowStr() (string, error) {
	start, i := sc.i, sc.i+1
	for ; i < len(sc.s) && sc.s[i] != '"'; i++ {
		if sc.s[i] == '\\' {
			i++
		}
	}
	if i >= len(sc.s) {
		return "", errSyntax
	}
	var v string
	if err := json.Unmarshal([]byte(sc.s[start:i+1]), &v); err != nil {
		return "", errSyntax
	}
	sc.i = i + 1
	return v, nil
}

// number reads a JSON number and returns its text.
func (sc *scanner) number() (string, error) {
	sc.ws()
	start, i := sc.i, sc.i
	if i < len(sc.s) && sc.s[i] == '-' {
		i++
	}
	switch {
	case i < len(sc.s) && sc.s[i] == '0':
		i++
	case i < len(sc.s) && sc.s[i] >= '1' && sc.s[i] <= '9':
		i = digits(sc.s, i)
	default:
		return "", errSyntax
	}
	if i < len(sc.s) && sc.s[i] == '.' {
		if j := digits(sc.s, i+1); j > i+1 {
			i = j
		} else {
			return "", errSyntax
		}
	}
	if i < len(sc.s) && (sc.s[i] == 'e' || sc.s[i] == 'E') {
		i++
		if i < len(sc.s) && (sc.s[i] == '+' || sc.s[i] == '-') {
			i++
		}
		j := digits(sc.s, i)
		if j == i {
			return "", errSyntax
		}
		i = j
	}
	sc.i = i
	return sc.s[start:i], nil
}

func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// literal consumes null, true or false when next, and reports which.
func (sc *scanner) literal(word string) bool {
	sc.ws()
	if strings.HasPrefix(sc.s[sc.i:], word) {
		sc.i += len(word)
		return true
	}
	return false
}

// maxDepth bounds the nesting of skipped values, as encoding/json does.
const maxDepth = 10000

// skip reads and discards any JSON value (an unknown claim).
func (sc *scanner) skip(depth int) error {
	if depth > maxDepth {
		return errSyntax
	}
	switch sc.peek() {
	case '"':
		_, err := sc.str()
		return err
	case '{':
		return sc.each('{', '}', func() error {
			if _, err := sc.str(); err != nil {
				return err
			}
			if err := sc.expect(':'); err != nil {
				return err
			}
			return sc.skip(depth + 1)
		})
	case '[':
		return sc.each('[', ']', func() error { return sc.skip(depth + 1) })
	case 'n', 't', 'f':
		if sc.literal("null") || sc.literal("true") || sc.literal("false") {
			return nil
		}
		return errSyntax
	}
	_, err := sc.number()
	return err
}

// each reads an object or array delimited by open and close, calling
// item for each member, with the commas between them.
func (sc *scanner) each(open, close byte, item func() error) error {
	if err := sc.expect(open); err != nil {
		return err
	}
	if sc.peek() == close {
		sc.i++
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		switch sc.peek() {
		case ',':
			sc.i++
		case close:
			sc.i++
			return nil
		default:
			return errSyntax
		}
	}
}

// end checks that nothing but white space follows the top-level value.
func (sc *scanner) end() error {
	if sc.ws(); sc.i != len(sc.s) {
		return errSyntax
	}
	return nil
}
