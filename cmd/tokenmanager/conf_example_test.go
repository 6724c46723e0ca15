package main

import (
	"flag"
	"os"
	"regexp"
	"testing"
)

// confExample is the example config file of the README.
const confExample = "../../docs/tokenmanager.conf.example"

// TestConfExample: the example config file parses as it is, and names
// every flag of serve (set or commented out), so it stays complete.
func TestConfExample(t *testing.T) {
	t.Run("Parses", func(t *testing.T) {
		c, _, err := parseConfig("serve", []string{"--config", confExample}, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		if c.Issuer != "https://auth.example.com" || c.Admins != "alice" {
			t.Fatalf("config = %+v", c)
		}
	})
	t.Run("NamesEveryFlag", func(t *testing.T) {
		b, err := os.ReadFile(confExample)
		if err != nil {
			t.Fatal(err)
		}
		(&Config{}).flagSet("serve").VisitAll(func(f *flag.Flag) {
			if f.Name == "config" {
				return
			}
			if !regexp.MustCompile(`(?m)^(# )?` + regexp.QuoteMeta(f.Name) + ` = `).Match(b) {
				t.Errorf("flag %s is missing from %s", f.Name, confExample)
			}
		})
	})
}
