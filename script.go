package tokenmanager

import "unicode"

// cjk scripts are written together (Japanese mixes Han, Hiragana and
// Katakana; Korean, Han and Hangul), so they count as one.
var cjk = map[string]bool{"Han": true, "Hiragana": true, "Katakana": true, "Hangul": true, "Bopomofo": true}

// singleScript reports whether the letters of s come from one script (CJK
// scripts counting as one), and the two scripts it mixes when not. A name
// like "аlice" with a Cyrillic а is refused: it would look like alice to
// other people (UTS #39 calls this a mixed-script confusable).
func singleScript(s string) (bool, string, string) {
	first := ""
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		sc := scriptOf(r)
		if cjk[sc] {
			sc = "CJK"
		}
		if first == "" {
			first = sc
		} else if sc != first {
			return false, first, sc
		}
	}
	return true, "", ""
}

// scriptOf names the Unicode script of r, Common when none has it.
func scriptOf(r rune) string {
	if r < 0x80 {
		return "Latin" // the common case, without the table search
	}
	for name, table := range unicode.Scripts {
		if name != "Common" && name != "Inherited" && unicode.Is(table, r) {
			return name
		}
	}
	return "Common"
}
