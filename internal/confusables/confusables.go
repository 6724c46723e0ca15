// Package confusables computes the confusable skeleton of a string
// (Unicode Technical Standard #39, section 4): two strings that a reader
// could take for one another have the same skeleton, so a service can
// refuse a new name whose skeleton is that of an existing one ("admın"
// with a dotless i, "ɑdmin" with a Latin alpha, next to "admin").
//
// The data is Unicode's confusables.txt (version in its header), trimmed
// to its mappings by gen.sh and embedded: golang.org/x/text has no
// skeleton, and the table is small (6,565 mappings, 80 KB).
package confusables

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

//go:embed confusables.txt
var data string

// table maps a code point to its prototype, parsed on first use.
var table = sync.OnceValue(func() map[rune]string {
	m := make(map[rune]string, 6600)
	for line := range strings.Lines(data) {
		src, dst, ok := strings.Cut(strings.TrimSpace(line), ";")
		if !ok || strings.HasPrefix(src, "#") {
			continue
		}
		r, err := strconv.ParseUint(src, 16, 32)
		if err != nil {
			panic("confusables: bad source " + src)
		}
		m[rune(r)] = prototype(dst)
	}
	return m
})

// prototype decodes a sequence of hexadecimal code points.
func prototype(s string) string {
	var b strings.Builder
	for _, f := range strings.Fields(s) {
		r, err := strconv.ParseUint(f, 16, 32)
		if err != nil {
			panic("confusables: bad prototype " + s)
		}
		b.WriteRune(rune(r))
	}
	return b.String()
}

// Skeleton returns the skeleton of s: s in NFD, without default-ignorable
// code points, each code point replaced by its prototype, in NFD again.
func Skeleton(s string) string {
	t := table()
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if ignorable(r) {
			continue
		}
		if p, ok := t[r]; ok {
			b.WriteString(p)
		} else {
			b.WriteRune(r)
		}
	}
	return norm.NFD.String(b.String())
}

// ignorable approximates Default_Ignorable_Code_Point (format characters,
// variation selectors and the other default-ignorables).
func ignorable(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}
